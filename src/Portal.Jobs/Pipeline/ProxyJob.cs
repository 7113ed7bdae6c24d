using System.Globalization;
using FFMpegCore;
using FFMpegCore.Enums;
using FFMpegCore.Exceptions;
using Hangfire;
using Portal.Data.Media;

namespace Portal.Jobs.Pipeline;

/// <summary>
/// Makes the review proxy: H.264 in MP4 with a constant frame rate and the index first (faststart), so any upload
/// plays frame-accurately in a browser and every later stage sees the same frames at the same times. Rotation from
/// the container is applied (ffmpeg's autorotate), and the picture is scaled down to at most
/// <see cref="PipelineOptions.ProxyMaxSide"/>. Written to a temporary name and renamed, so a crash never leaves a
/// half proxy under the real name.
/// </summary>
[Queue(JobQueues.Media)]
public sealed class ProxyJob(PipelineStageServices services) : PipelineStageJob(services)
{
    protected override string Stage => PipelineStages.Proxy;

    protected override void EnqueueNext(IBackgroundJobClient jobs, Guid runId) =>
        jobs.Enqueue<PosesJob>(job => job.RunAsync(runId, null, CancellationToken.None));

    protected override async Task ExecuteAsync(StageContext context)
    {
        var video = context.Video;
        var target = Services.Media.GetLocalPath(MediaKeys.VideoProxy(video.Id));
        if (File.Exists(target))
        {
            return; // made by an earlier run of this video
        }

        var source = Services.Media.GetLocalPath(video.StoredPath);
        var temporary = target + ".partial.mp4";
        var fps = Math.Clamp(video.Fps ?? 25, 1, 120).ToString("0.###", CultureInfo.InvariantCulture);
        var maxSide = Services.Options.ProxyMaxSide.ToString(CultureInfo.InvariantCulture);
        var duration = Math.Max(0.001, video.DurationSeconds ?? 0);
        var progress = 0.0;
        var arguments = FFMpegArguments
            .FromFileInput(source)
            .OutputToFile(temporary, overwrite: true, options => options
                .WithVideoCodec(VideoCodec.LibX264)
                .WithCustomArgument(
                    $"-preset veryfast -crf 23 -map 0:v:0 -map 0:a:0? -c:a aac -b:a 128k -pix_fmt yuv420p -fps_mode cfr -r {fps} " +
                    $"-vf scale=w='min({maxSide},iw)':h='min({maxSide},ih)':force_original_aspect_ratio=decrease:force_divisible_by=2 " +
                    "-movflags +faststart"))
            .CancellableThrough(context.CancellationToken)
            .NotifyOnProgress(time => progress = time.TotalSeconds / duration);

        var encoding = arguments.ProcessAsynchronously(throwOnError: true);
        try
        {
            while (await Task.WhenAny(encoding, Task.Delay(1000, context.CancellationToken)) != encoding)
            {
                await context.ReportAsync(progress);
            }
        }
        catch (OperationCanceledException)
        {
            // The token has killed ffmpeg; wait for it so no process outlives the job, then leave no partial file.
            await encoding.ContinueWith(_ => { }, TaskScheduler.Default);
            File.Delete(temporary);
            throw;
        }

        try
        {
            await encoding;
        }
        catch (FFMpegException e) when (!context.CancellationToken.IsCancellationRequested)
        {
            File.Delete(temporary);
            throw new PipelineFailure($"The video could not be converted for review: ffmpeg failed ({LastLine(e.Message)}).", e);
        }

        File.Move(temporary, target, overwrite: true);
    }

    private static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? text;
}
