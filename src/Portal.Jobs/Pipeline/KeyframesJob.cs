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
    /// <summary>
    /// How many pages of frames are read at once while one is drawn. Each page ahead holds eight proxy frames (8 MB at
    /// 768x432, 22 MB at 1280x720) that a short video with a page or two of keyframes never allocates: with two ahead
    /// the hour's worker peaked 14.0 % above the minute's, with one 10.1 % and 12.5 % in two runs (the bound is
    /// 10 %), for ~0.1 s more on the 139 s clip's stage (docs/benchmarks.md).
    /// </summary>
    private const int PagesReadAhead = 1;

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
        var info = await ProxyJob.ProxyInfoAsync(video, proxy.Path, context.CancellationToken);
        var (sourceWidth, sourceHeight) = video.DisplaySize ?? (info.Width, info.Height);
        var toProxyX = info.Width / (float)sourceWidth;
        var toProxyY = info.Height / (float)sourceHeight;
        // Pages are read ahead, each by its own reader (one buffer each), while this page's keyframes are drawn: a
        // page read is mostly ffmpeg's start and its seeks (0.2 s for 8 frames of the 139 s clip, one core's worth).
        // On that clip's 17 keyframes the stage took 0.57–0.76 s with one page read ahead, 0.46–0.61 s with two;
        // one is kept for the memory (PagesReadAhead).
        var readers = Enumerable.Range(0, PagesReadAhead + 1).Select(_ => new FramePageReader(proxy.Path, info)).ToArray();
        var reads = new Queue<(List<SegmentRecord> Page, Task<IReadOnlyList<RgbFrame>> Frames)>();
        var (nextReader, lastQueued) = (0, (SegmentRecord?)null);
        (int Number, byte[] Poses)? track = null;
        var phases = new KeyframeStagePhases();
        // Segments a page at a time in (track, index) order, and of a track only the poses blob: memory does not grow
        // with the video's length nor with how long a person stays in view. One ffmpeg process reads a page's frames.
        using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        async Task ReadAheadAsync()
        {
            // A reader is asked again only once the page it read last has been drawn: at most PagesReadAhead are
            // being read while one is drawn.
            while (reads.Count < PagesReadAhead)
            {
                var page = await NextPageAsync(withKeyframes, lastQueued, context.CancellationToken);
                if (page.Count == 0)
                {
                    return;
                }

                reads.Enqueue((page, readers[nextReader].ReadPageAsync(Times(page), stopReading.Token)));
                (nextReader, lastQueued) = ((nextReader + 1) % readers.Length, page[^1]);
            }
        }

        try
        {
            await ReadAheadAsync();
            while (reads.TryDequeue(out var read))
            {
                var waiting = Stopwatch.GetTimestamp();
                var frames = await read.Frames;
                phases.FrameWait += Stopwatch.GetTimestamp() - waiting;
                await ReadAheadAsync();
                // Loaded untracked: tracked only while drawn, since a flush stops tracking every row.
                var page = read.Page;
                context.Db.Segments.AttachRange(page);
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
            }
        }
        finally
        {
            // Leaving early (an error, a cancel): stop the reads ahead and let them end before the proxy's lease does.
            await stopReading.CancelAsync();
            foreach (var (_, frames) in reads)
            {
                await frames.ContinueWith(_ => { }, TaskScheduler.Default);
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

        return segments.AsNoTracking().OrderBy(s => s.TrackNumber).ThenBy(s => s.SegmentIndex).Take(FfmpegFrameReader.FramesPerProcess).ToListAsync(cancellationToken);
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
