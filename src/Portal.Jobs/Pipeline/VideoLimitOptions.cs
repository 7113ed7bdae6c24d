using System.Globalization;

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
