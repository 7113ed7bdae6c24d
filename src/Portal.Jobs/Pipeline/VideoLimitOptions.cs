using System.Globalization;
using Portal.Inference.Frames;

namespace Portal.Jobs.Pipeline;

/// <summary>
/// Limits on what is processed, from configuration section <c>Portal:Upload</c> (beside the web host's size limits):
/// they live here because the worker, which probes the video, is what enforces them.
/// </summary>
public sealed class VideoLimitOptions
{
    public const string SectionName = "Portal:Upload";

    /// <summary>Longest video processed, in seconds; a longer one ends as Failed after the probe. Default 2 hours.</summary>
    public double MaxDurationSeconds { get; set; } = 2 * 3600;

    /// <summary>Widest stored picture processed, in pixels. Default 8192.</summary>
    public int MaxWidth { get; set; } = 8192;

    /// <summary>Tallest stored picture processed, in pixels. Default 8192.</summary>
    public int MaxHeight { get; set; } = 8192;

    /// <summary>Most frames processed (as duration × rate, or the container's count when larger). Default 1,000,000.</summary>
    public long MaxFrameCount { get; set; } = 1_000_000;

    /// <summary>Most streams (video, audio, subtitles, data) a file may hold. Default 8.</summary>
    public int MaxStreams { get; set; } = 8;

    /// <summary>
    /// Why a probed file is refused by the size, frame and stream limits, as a sentence for the uploader; null when it
    /// is within them. Decided from ffprobe's facts only, never from the file's name. The duration limit is checked
    /// where every run starts (RunStarter), so that it also holds for reprocessing.
    /// </summary>
    public string? Refusal(VideoInfo info, long frameCount)
    {
        if (info.CodedWidth > MaxWidth || info.CodedHeight > MaxHeight)
        {
            return $"The video's picture is {info.CodedWidth}x{info.CodedHeight}; pictures up to {MaxWidth}x{MaxHeight} are processed.";
        }

        if (frameCount > MaxFrameCount)
        {
            return string.Create(CultureInfo.InvariantCulture, $"The video has {frameCount:N0} frames; videos up to {MaxFrameCount:N0} frames are processed.");
        }

        if (info.StreamCount > MaxStreams)
        {
            return $"The file holds {info.StreamCount} streams; files with up to {MaxStreams} are processed.";
        }

        return null;
    }

    /// <summary>
    /// A duration for a person: "5.2 s", "2:05", "1:02:03"; whole minutes and hours (limits usually are) as "90 min",
    /// "2 h". The upload page's script says durations the same way.
    /// </summary>
    public static string FormatDuration(double seconds)
    {
        if (seconds < 60)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{seconds:0.#} s");
        }

        var t = TimeSpan.FromSeconds(Math.Round(seconds));
        return t switch
        {
            { Seconds: 0, Minutes: 0 } => $"{(int)t.TotalHours} h",
            { Seconds: 0 } => $"{(int)t.TotalMinutes} min",
            _ when t.TotalHours >= 1 => $"{(int)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}",
            _ => $"{t.Minutes}:{t.Seconds:00}",
        };
    }
}
