using System.Diagnostics;
using System.Globalization;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Portal.Data.Media;
using Portal.Inference.Frames;
using Portal.Inference.Pose;
using Portal.Jobs.Rendering;

namespace Portal.Jobs.Pipeline;

/// <summary>
/// Keyframe overlays, the last stage: for each segment, the proxy frame at the segment's keyframe time rendered as a
/// PNG with the person's skeleton and the joint attention of that moment drawn as heat. Ends the run as Succeeded.
/// </summary>
[Queue(JobQueues.Media)]
public sealed class KeyframesJob(PipelineStageServices services) : PipelineStageJob(services)
{
    protected override string Stage => PipelineStages.Keyframes;

    protected override bool IsLastStage => true;

    protected override void EnqueueNext(IBackgroundJobClient jobs, Guid runId)
    {
    }

    protected override async Task ExecuteAsync(StageContext context)
    {
        var run = context.Run;
        var video = context.Video;
        var proxy = Services.Media.GetLocalPath(MediaKeys.VideoProxy(video.Id));
        var withKeyframes = context.Db.Segments.Where(s => s.RunId == run.Id && s.KeyframeSeconds != null);
        var total = await withKeyframes.CountAsync(context.CancellationToken);
        if (total == 0)
        {
            return;
        }

        var trackNumbers = await withKeyframes.Select(s => s.TrackNumber).Distinct().OrderBy(n => n).ToListAsync(context.CancellationToken);
        var info = await FfmpegFrameReader.ProbeAsync(proxy, cancellationToken: context.CancellationToken);
        var (sourceWidth, sourceHeight) = video.DisplaySize ?? (info.Width, info.Height);
        var toProxyX = info.Width / (float)sourceWidth;
        var toProxyY = info.Height / (float)sourceHeight;
        var done = 0;
        var rgb = new byte[info.Width * info.Height * 3]; // one frame buffer for the whole stage
        foreach (var trackNumber in trackNumbers)
        {
            // One track's segments at a time, and for each only the pose and the window it draws, so memory does not
            // grow with the video's length nor with how long a person stays in view.
            var trackSegments = await withKeyframes.Where(s => s.TrackNumber == trackNumber).OrderBy(s => s.SegmentIndex).ToListAsync(context.CancellationToken);
            var poses = await context.Db.Tracks.Where(t => t.RunId == run.Id && t.TrackNumber == trackNumber).Select(t => t.Poses).SingleAsync(context.CancellationToken);
            foreach (var segment in trackSegments)
            {
                var time = segment.KeyframeSeconds!.Value;
                var pose = PoseBlob.Decode(poses, PoseBlob.NearestFrame(poses, time), 1)[0];
                var heat = await JointHeatAtAsync(context, segment, time);
                await ReadFrameAsync(proxy, time, rgb, context.CancellationToken);
                var keypoints = pose.Person.Keypoints.Select(k => new Keypoint(k.X * toProxyX, k.Y * toProxyY, k.Score)).ToList();
                var key = MediaKeys.Keyframe(run.Id, segment.TrackNumber, segment.SegmentIndex);
                await using (var file = Services.Media.OpenWrite(key))
                {
                    KeyframeRenderer.WritePng(rgb, info.Width, info.Height, keypoints, heat, file);
                }

                segment.SetKeyframe(key);
                await context.ReportAsync(++done / (double)total);
            }

            await context.FlushResultsAsync();
        }
    }

    /// <summary>
    /// The joint attention at <paramref name="time"/>: from the first of the segment's windows that spans the time
    /// (else the segment's first window), at the model frame that covers it.
    /// </summary>
    private static async Task<float[]> JointHeatAtAsync(StageContext context, Portal.Data.Entities.SegmentRecord segment, double time)
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

    /// <summary>Fills <paramref name="buffer"/> (width × height × 3 bytes) with the RGB24 frame at the time.</summary>
    private static async Task ReadFrameAsync(string path, double seconds, byte[] buffer, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("ffmpeg")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList = { "-nostdin", "-v", "error", "-ss", seconds.ToString("0.###", CultureInfo.InvariantCulture), "-i", path, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1" },
        };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        var read = await process.StandardOutput.BaseStream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (read < buffer.Length)
        {
            throw new InvalidOperationException($"ffmpeg returned no frame at {seconds:0.###} s: {await stderr}");
        }
    }
}
