using System.Globalization;
using FFMpegCore;
using FFMpegCore.Exceptions;
using Portal.Inference.Frames;

namespace Portal.Jobs.Pipeline;

/// <summary>
/// Makes the review proxy: H.264 in MP4 with a constant frame rate, a key picture at least every 2 s and the index
/// first (faststart), so any upload plays frame-accurately in a browser and every later stage sees the same frames at
/// the same times. Rotation from the container is applied (ffmpeg's autorotate), and the picture is scaled down to at
/// most <see cref="PipelineOptions.ProxyMaxSide"/>; a picture that already is all that is copied, not re-encoded
/// (<see cref="ProxyCopy"/>). Written to a temporary name and renamed, so a crash never leaves a half proxy under the
/// real name.
/// </summary>
public sealed class ProxyJob(PipelineStageServices services) : PipelineStageJob(services)
{
    protected override async Task ExecuteAsync(StageContext context)
    {
        var video = context.Video;
        var targetKey = MediaKeys.VideoProxy(video.Id);
        if (Services.Media.Exists(targetKey))
        {
            // Made by an earlier run of this video; one made before the proxy's picture was recorded is probed now.
            if (video.Proxy is null)
            {
                await using var made = await Services.Media.LeaseForReadingAsync(targetKey, context.CancellationToken);
                video.RecordProxy(PictureOf(await FfmpegProbe.ProbeAsync(made.Path, context.CancellationToken)), Services.Clock.GetUtcNow());
            }

            return;
        }

        var temporaryKey = targetKey + ".partial.mp4";
        string? complaint;
        await using (var source = await Services.Media.LeaseForReadingAsync(video.MediaKey, context.CancellationToken))
        await using (var temporary = await Services.Media.LeaseForWritingAsync(temporaryKey, context.CancellationToken)) // ffmpeg writes to a path
        {
            complaint = await EncodeAsync(context, source.Path, temporary.Path);
        }

        var picture = await RequireWholeVideoAsync(temporaryKey, video.DurationSeconds, complaint, context.CancellationToken);
        Services.Media.Move(temporaryKey, targetKey);
        video.RecordProxy(picture, Services.Clock.GetUtcNow());
    }

    /// <summary>
    /// The proxy's facts for a stage that decodes it: what this stage recorded on the video (the later stages ran
    /// ffprobe on the proxy again each, a process start of 0.05–0.1 s apiece), else ffprobe's answer now.
    /// </summary>
    public static async Task<VideoInfo> ProxyInfoAsync(Video video, string proxyPath, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(video);
        if (video.Proxy is not { } picture)
        {
            return await FfmpegProbe.ProbeAsync(proxyPath, cancellationToken);
        }

        return new VideoInfo
        {
            Width = picture.Width,
            Height = picture.Height,
            Fps = picture.Fps,
            FrameCount = picture.FrameCount is { } frames ? checked((int)frames) : null,
            DurationSeconds = picture.FrameCount / picture.Fps,
        };
    }

    private static ProxyPicture PictureOf(VideoInfo info) => new(info.Width, info.Height, info.Fps, info.FrameCount);

    /// <summary>
    /// Runs ffmpeg (through FFMpegCore) from <paramref name="source"/> to <paramref name="output"/>, reporting its
    /// progress; deletes the output when it fails or is canceled. Returns ffmpeg's last complaint about the input.
    /// </summary>
    private async Task<string?> EncodeAsync(StageContext context, string source, string output)
    {
        var video = context.Video;
        var rate = Math.Clamp(video.Fps ?? 25, 1, 120);
        var fps = rate.ToString("0.###", CultureInfo.InvariantCulture);
        // A key picture every 2 s (x264's default is every 250 frames: 25 s at 10 fps): a seek, in the browser or for
        // a keyframe render, decodes at most 2 s of frames. Costs about 30 % in file size, hardly any encoding time.
        var keyInterval = Math.Max(1, (int)Math.Round(2 * rate)).ToString(CultureInfo.InvariantCulture);
        var maxSide = Services.Options.ProxyMaxSide.ToString(CultureInfo.InvariantCulture);
        var duration = Math.Max(0.001, video.DurationSeconds ?? 0);
        var info = await FfmpegProbe.ProbeAsync(source, context.CancellationToken);
        var pictureArguments = await ProxyCopy.IsPossibleAsync(source, info, Services.Options.ProxyMaxSide, context.CancellationToken)
            ? "-c:v copy"
            : $"-c:v libx264 -preset veryfast -crf 23 -g {keyInterval} -pix_fmt yuv420p -fps_mode cfr -r {fps} " +
              $"-vf scale=w='min({maxSide},iw)':h='min({maxSide},ih)':force_original_aspect_ratio=decrease:force_divisible_by=2";
        var (progress, lastComplaint) = (0.0, (string?)null);
        // FFMpegCore cancels by writing "q" to ffmpeg's stdin; when ffmpeg has just exited that write throws inside the
        // token's callback, and from a timer-driven cancel the exception ended the whole process (seen in a test run).
        // The job's token is relayed through a callback that swallows exactly that.
        using var stopFfmpeg = new CancellationTokenSource();
        using var relay = context.CancellationToken.Register(() =>
        {
            try
            {
                stopFfmpeg.Cancel();
            }
            catch (AggregateException e) when (e.Flatten().InnerExceptions.All(x => x is IOException or ObjectDisposedException or InvalidOperationException))
            {
                // ffmpeg had already exited: nothing left to stop.
            }
        });
        var arguments = FFMpegArguments
            .FromFileInput(source, verifyExists: true, options => options.WithCustomArgument(UntrustedInput.ArgumentText))
            .OutputToFile(output, overwrite: true, options => options
                .WithCustomArgument($"-map 0:v:0 -map 0:a:0? {pictureArguments} -c:a aac -b:a 128k -movflags +faststart"))
            .CancellableThrough(stopFfmpeg.Token)
            .NotifyOnProgress(time => progress = time.TotalSeconds / duration)
            .NotifyOnStandardError(line => lastComplaint = IsComplaint(line) ? line.Trim() : lastComplaint);

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
            // The token has killed ffmpeg; wait for it so no process outlives the job, then leave no partial file
            // (the write lease's rule: nothing at its path, no file).
            await encoding.ContinueWith(_ => { }, TaskScheduler.Default);
            File.Delete(output);
            throw;
        }

        try
        {
            await encoding;
        }
        catch (FFMpegException e) when (!context.CancellationToken.IsCancellationRequested)
        {
            File.Delete(output);
            // FFMpegCore's message is "ffmpeg exited with non-zero exit-code (CODE - STDERR)": its last line ends with the
            // wrapper's own closing parenthesis, which is not ffmpeg's.
            var said = FfmpegProcess.LastLines(e.Message, count: 1);
            if (e.Message.EndsWith(')') && said.EndsWith(')')) said = said[..^1];
            throw new PipelineFailure(
                $"The video could not be converted for review: ffmpeg failed after {progress * duration:0.0} s of {duration:0.0} s and said \"{said}\".", e);
        }

        return lastComplaint;
    }

    /// <summary>
    /// Fails the video when the proxy stops well short of the duration the container announced: ffmpeg ends a
    /// truncated or broken stream with exit code 0 and just stops writing frames, and a timeline for the first part of
    /// a video, presented as if it were the whole, would mislead. A few damaged frames ffmpeg conceals and goes past
    /// do not count; neither does a video that is at most 2 s or 5 % shorter (audio often outlasts the picture). Returns
    /// the proxy's picture as probed for this check, which the video records for the later stages.
    /// </summary>
    private async Task<ProxyPicture> RequireWholeVideoAsync(string proxyKey, double? announcedSeconds, string? complaint, CancellationToken cancellationToken)
    {
        VideoInfo info;
        await using (var proxy = await Services.Media.LeaseForReadingAsync(proxyKey, cancellationToken))
        {
            info = await FfmpegProbe.ProbeAsync(proxy.Path, cancellationToken);
        }

        if (announcedSeconds is not { } expected || info.FrameCount is not { } frames || info.Fps <= 0)
        {
            return PictureOf(info);
        }

        var decoded = frames / info.Fps;
        if (expected - decoded > Math.Max(2, 0.05 * expected))
        {
            Services.Media.Delete(proxyKey);
            throw new PipelineFailure(BreaksOffMessage(frames, decoded, expected, complaint));
        }

        return PictureOf(info);
    }

    /// <summary>
    /// What the user reads about a video that breaks off. ffmpeg's complaint is quoted after a colon, not in
    /// parentheses: it often ends with one of its own ("… (Invalid data found when processing input)").
    /// </summary>
    internal static string BreaksOffMessage(long frames, double decodedSeconds, double expectedSeconds, string? complaint) =>
        string.Create(CultureInfo.InvariantCulture, $"The video breaks off after frame {frames} ({decodedSeconds:0.0} s of {expectedSeconds:0.0} s): ffmpeg could not decode the rest") +
        (complaint is null ? "." : $"; ffmpeg said: {complaint.TrimEnd('.')}.");

    /// <summary>A line of ffmpeg's log that reports damaged input (the last one explains a broken-off video best).</summary>
    private static bool IsComplaint(string line) =>
        new[] { "error", "invalid", "partial file", "corrupt", "truncated", "missing" }.Any(word => line.Contains(word, StringComparison.OrdinalIgnoreCase));
}
