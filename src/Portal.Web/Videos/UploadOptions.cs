using System.Globalization;

namespace Portal.Web.Videos;

/// <summary>Limits on uploads (configuration section <c>Portal:Upload</c>).</summary>
public sealed class UploadOptions
{
    public const string SectionName = "Portal:Upload";

    /// <summary>Largest accepted file; larger uploads get 413. Default 2 GiB.</summary>
    public long MaxBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>A resumable upload with no new bytes for this long is deleted. Default 24 hours.</summary>
    public TimeSpan ResumableExpiry { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often abandoned resumable uploads are looked for. Default every 15 minutes.</summary>
    public TimeSpan ExpirySweepInterval { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// A size for a person, as the upload page, the library and the refusals say it: "512 KiB", "3.2 MiB", "2 GiB".
    /// The upload page's script (wwwroot/js/upload.js, formatSize) follows the same rule for sizes it knows first.
    /// </summary>
    public static string FormatSize(long bytes) => bytes switch
    {
        >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.#} GiB"),
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):0.#} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{Math.Max(1, bytes / 1024.0):0} KiB"),
    };
}
