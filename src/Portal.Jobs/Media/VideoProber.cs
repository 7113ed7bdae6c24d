using System.Text.RegularExpressions;
using FFMpegCore;
using FFMpegCore.Exceptions;
using Portal.Data.Entities;

namespace Portal.Jobs.Media;

/// <summary>The file cannot be processed; the message is the reason, worded for the person who uploaded it.</summary>
public sealed class UnreadableVideoException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Reads a video's metadata with ffprobe (through FFMpegCore).</summary>
public sealed class VideoProber
{
    public async Task<VideoProbe> ProbeAsync(string path, CancellationToken cancellationToken)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new FileNotFoundException($"The stored file '{path}' is missing.", path);
        }

        if (info.Length == 0)
        {
            throw new UnreadableVideoException("The file is empty (0 bytes).");
        }

        IMediaAnalysis analysis;
        try
        {
            analysis = await FFProbe.AnalyseAsync(path, cancellationToken: cancellationToken);
        }
        catch (Exception e) when (e is FFMpegException or FormatNullException or FFProbeException)
        {
            throw new UnreadableVideoException(ExplainProbeFailure(e.Message.Replace(path, "the file", StringComparison.Ordinal)), e);
        }

        var video = analysis.PrimaryVideoStream ?? throw new UnreadableVideoException(
            analysis.PrimaryAudioStream is null
                ? "No video stream found: the file holds no video."
                : "No video stream found: the file holds only audio.");

        if (video.Width is not > 0 || video.Height is not > 0)
        {
            throw new UnreadableVideoException("The video stream has no picture size.");
        }

        var fps = video.AverageFrameRate is > 0 and < 1000 ? video.AverageFrameRate : video.RealFrameRate;
        var duration = analysis.Duration > TimeSpan.Zero ? analysis.Duration : video.Duration;
        if (duration <= TimeSpan.Zero || double.IsNaN(fps) || fps <= 0)
        {
            throw new UnreadableVideoException("The video has no frames that can be timed (duration or frame rate is missing).");
        }

        // FFMpegCore does not expose nb_frames; duration × average rate is what players show as the frame count.
        var frameCount = (long)Math.Round(duration.TotalSeconds * fps);
        return new VideoProbe(duration.TotalSeconds, fps, video.Width.Value, video.Height.Value, video.CodecName ?? "unknown", NormalizeRotation(video.Rotation), frameCount);
    }

    internal static int NormalizeRotation(int degrees) => ((degrees % 360) + 360) % 360;

    /// <summary>Turns ffprobe's last words into a sentence; ffprobe's own text follows in brackets.</summary>
    internal static string ExplainProbeFailure(string ffprobeOutput)
    {
        var detail = ffprobeOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .LastOrDefault(line => line.Length > 0) ?? "";
        // FFMpegCore wraps ffprobe's words in "ffprobe exited with non-zero exit-code (1 - ...)"; keep ffprobe's own.
        var wrapped = Regex.Match(detail, @"exit-code \(\d+ - (?<words>.*)\)$");
        if (wrapped.Success)
        {
            detail = wrapped.Groups["words"].Value;
        }

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

        return detail.Length == 0 ? reason : $"{reason} (ffprobe: {detail})";
    }
}
