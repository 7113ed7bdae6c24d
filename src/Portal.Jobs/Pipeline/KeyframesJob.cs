using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Portal.Inference.Blobs;
using Portal.Inference.Frames;
using Portal.Inference.Pose;
using Portal.Jobs.Rendering;

namespace Portal.Jobs.Pipeline;

/// <summary>
/// Keyframe overlays, the last stage: for each segment, the proxy frame at the segment's keyframe time rendered as a
/// PNG with the person's skeleton and the joint attention of that moment drawn as heat. Ends the run as Succeeded.
/// </summary>
public sealed class KeyframesJob(PipelineStageServices services) : PipelineStageJob(services)
{
    protected override async Task ExecuteAsync(StageContext context)
    {
        var run = context.Run;
        var video = context.Video;
        var withKeyframes = context.Db.Segments.Where(s => s.RunId == run.Id && s.KeyframeSeconds != null);
        var total = await withKeyframes.CountAsync(context.CancellationToken);
        if (total == 0)
        {
            return;
        }

        await using var proxy = await Services.Media.LeaseForReadingAsync(MediaKeys.VideoProxy(video.Id), context.CancellationToken);
        var info = await FfmpegProbe.ProbeAsync(proxy.Path, context.CancellationToken);
        var (sourceWidth, sourceHeight) = video.DisplaySize ?? (info.Width, info.Height);
        var toProxyX = info.Width / (float)sourceWidth;
        var toProxyY = info.Height / (float)sourceHeight;
        // Two readers, one buffer each: the next page's ffmpeg process runs on the other core while this page's
        // keyframes are drawn and encoded (on the 139 s clip, 18 keyframes: reading 0.4 s, drawing and encoding 0.6 s,
        // one after the other before).
        var (readers, current) = (new[] { new FramePageReader(proxy.Path, info), new FramePageReader(proxy.Path, info) }, 0);
        (int Number, byte[] Poses)? track = null;
        var phases = new KeyframeStagePhases();
        // Segments a page at a time in (track, index) order, and of a track only the poses blob: memory does not grow
        // with the video's length nor with how long a person stays in view. One ffmpeg process reads a page's frames.
        using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        var page = await NextPageAsync(withKeyframes, after: null, context.CancellationToken);
        var reading = page.Count > 0 ? readers[current].ReadPageAsync(Times(page), stopReading.Token) : null;
        try
        {
            while (page.Count > 0)
            {
                var waiting = Stopwatch.GetTimestamp();
                var frames = await reading!;
                phases.FrameWait += Stopwatch.GetTimestamp() - waiting;
                var next = await NextPageAsync(withKeyframes, page[^1], context.CancellationToken);
                current = 1 - current;
                reading = next.Count > 0 ? readers[current].ReadPageAsync(Times(next), stopReading.Token) : null;
                foreach (var frame in frames)
                {
                    var segment = page[frame.Index];
                    if (track?.Number != segment.TrackNumber)
                    {
                        var poses = await context.Db.Tracks.Where(t => t.RunId == run.Id && t.TrackNumber == segment.TrackNumber).Select(t => t.Poses).SingleAsync(context.CancellationToken);
                        track = (segment.TrackNumber, poses);
                    }

                    var pose = PoseBlob.Decode(track.Value.Poses, PoseBlob.NearestFrame(track.Value.Poses, frame.Time), 1)[0];
                    var heat = await JointHeatAtAsync(context, segment, frame.Time);
                    var keypoints = pose.Person.Keypoints.Select(k => new Keypoint(k.X * toProxyX, k.Y * toProxyY, k.Score)).ToList();
                    var key = MediaKeys.Keyframe(run.Id, segment.TrackNumber, segment.SegmentIndex);
                    var drawing = Stopwatch.GetTimestamp();
                    await using (var file = Services.Media.OpenWrite(key))
                    {
                        KeyframeRenderer.WritePng(frame.Rgb.Span, frame.Width, frame.Height, keypoints, heat, file);
                    }

                    phases.Drawing += Stopwatch.GetTimestamp() - drawing;
                    segment.SetKeyframe(key);
                    phases.Keyframes++;
                    await context.ReportAsync(phases.Keyframes / (double)total);
                }

                await context.FlushResultsAsync();
                // The flush stops tracking every row, the next page's too (loaded before it, for the read ahead).
                context.Db.Segments.AttachRange(next);
                page = next;
            }
        }
        finally
        {
            // Leaving early (an error, a cancel): stop the read ahead and let it end before the proxy's lease does.
            if (reading is not null)
            {
                await stopReading.CancelAsync();
                await reading.ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }

        Services.Logger.LogInformation("Run {RunId}: {Phases}", run.Id, phases);
    }

    private static List<double> Times(List<SegmentRecord> page) => [.. page.Select(s => s.KeyframeSeconds!.Value)];

    /// <summary>The segments after <paramref name="after"/> in (track, index) order, as many as one ffmpeg process reads.</summary>
    private static Task<List<SegmentRecord>> NextPageAsync(
        IQueryable<SegmentRecord> segments, SegmentRecord? after, CancellationToken cancellationToken)
    {
        if (after is not null)
        {
            var (track, index) = (after.TrackNumber, after.SegmentIndex);
            segments = segments.Where(s => s.TrackNumber > track || (s.TrackNumber == track && s.SegmentIndex > index));
        }

        return segments.OrderBy(s => s.TrackNumber).ThenBy(s => s.SegmentIndex).Take(FfmpegFrameReader.FramesPerProcess).ToListAsync(cancellationToken);
    }

    /// <summary>
    /// The joint attention at <paramref name="time"/>: from the first of the segment's windows that spans the time
    /// (else the segment's first window), at the model frame that covers it.
    /// </summary>
    private static async Task<float[]> JointHeatAtAsync(StageContext context, SegmentRecord segment, double time)
    {
        var windows = context.Db.ActionWindows.AsNoTracking()
            .Where(w => w.RunId == segment.RunId && w.TrackNumber == segment.TrackNumber
                && w.WindowIndex >= segment.FirstWindow && w.WindowIndex < segment.FirstWindow + segment.WindowCount)
            .OrderBy(w => w.WindowIndex);
        var best = await windows.FirstOrDefaultAsync(w => w.StartSeconds <= time && time <= w.EndSeconds, context.CancellationToken)
            ?? await windows.FirstOrDefaultAsync(context.CancellationToken);
        if (best is null)
        {
            return [];
        }

        var frameAttention = HalfBlob.Decode(best.FrameAttention);
        var joints = HalfBlob.Decode(best.JointAttention);
        var frames = frameAttention.Length;
        var perFrame = frames == 0 ? 0 : joints.Length / frames;
        var seconds = Math.Max(1e-6, best.EndSeconds - best.StartSeconds);
        var t = Math.Clamp((int)((time - best.StartSeconds) / seconds * frames), 0, Math.Max(0, frames - 1));
        return perFrame == 0 ? [] : joints.AsSpan(t * perFrame, perFrame).ToArray();
    }
}
