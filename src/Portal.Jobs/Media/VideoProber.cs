using Portal.Inference.Frames;
using Portal.Jobs.Pipeline;

namespace Portal.Jobs.Media;

/// <summary>The file cannot be processed; the message is the reason, worded for the person who uploaded it.</summary>
public sealed class UnreadableVideoException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Reads an upload's metadata with <see cref="FfmpegProbe"/> and words what goes wrong for the person who uploaded it
/// (no paths in the sentences). A file beyond <see cref="VideoLimitOptions"/>' size, frame or stream limits is refused
/// here, before any stage decodes a frame of it.
/// </summary>
public sealed class VideoProber(IMediaStore media, IOptions<VideoLimitOptions> limits)
{
    public async Task<VideoProbe> ProbeAsync(string key, CancellationToken cancellationToken)
    {
        await using var file = await media.LeaseForReadingAsync(key, cancellationToken);
        VideoInfo info;
        try
        {
            info = await FfmpegProbe.ProbeAsync(file.Path, cancellationToken);
        }
        catch (FfmpegException e)
        {
            throw new UnreadableVideoException(Explain(e, file.Path), e);
        }

        if (info.DurationSeconds is not { } duration || info.Fps <= 0)
        {
            throw new UnreadableVideoException("The video has no frames that can be timed (duration or frame rate is missing).");
        }

        // Duration × average rate is what players show as the frame count (nb_frames is missing from many containers).
        var frameCount = (long)Math.Round(duration * info.Fps);
        if (limits.Value.Refusal(info, Math.Max(frameCount, info.FrameCount ?? 0)) is { } refusal)
        {
            throw new UnreadableVideoException(refusal);
        }

        return new VideoProbe(duration, info.Fps, info.CodedWidth, info.CodedHeight, info.Codec, info.Rotation, frameCount);
    }

    private static string Explain(FfmpegException e, string path) => e.Failure switch
    {
        FfmpegFailure.Empty => "The file is empty (0 bytes).",
        FfmpegFailure.NoVideo => e.AudioOnly ? "No video stream found: the file holds only audio." : "No video stream found: the file holds no video.",
        FfmpegFailure.NoPictureSize => "The video stream has no picture size.",
        FfmpegFailure.RefusedFormat =>
            $"The file is not a video Portal opens: it is a {UntrustedInput.RefusedFormat(e.Output ?? "") ?? "playlist"} file, a playlist or list that points at other files or addresses.",
        _ => ExplainProbeFailure((e.Output ?? e.Message).Replace(path, "the file", StringComparison.Ordinal)),
    };

    /// <summary>Turns ffprobe's last words into a sentence; ffprobe's own text follows in brackets.</summary>
    internal static string ExplainProbeFailure(string ffprobeOutput)
    {
        var detail = FfmpegProcess.LastLines(ffprobeOutput, count: 1);
        if (detail.Length > 300)
        {
            detail = detail[..300];
        }

        string reason;
        if (ffprobeOutput.Contains("moov atom not found", StringComparison.OrdinalIgnoreCase))
        {
            reason = "The file looks like an incomplete MP4: its index (the 'moov' box) is missing, usually because the upload or recording was cut short.";
        }
        else if (ffprobeOutput.Contains("Invalid data found when processing input", StringComparison.OrdinalIgnoreCase))
        {
            reason = "The file is not a video Portal can read: its contents match no known video format.";
        }
        else
        {
            reason = "The file could not be read as a video.";
        }

        return detail is "(no message)" ? reason : $"{reason} (ffprobe: {detail})";
    }
}
