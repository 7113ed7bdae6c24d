namespace Portal.Web.Hosting;

/// <summary>
/// Per-caller request limits (configuration section <c>Portal:RateLimits</c>): fixed windows, one budget for starting
/// uploads and one for every other <c>/api</c> request. A caller over a budget gets 429 with Retry-After.
/// </summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "Portal:RateLimits";

    /// <summary>Uploads a caller may start per <see cref="UploadWindow"/> (POST /api/videos, tus creation). Default 120: a folder of clips chosen at once fits.</summary>
    public int UploadsPerWindow { get; set; } = 120;

    /// <summary>Default 10 minutes.</summary>
    public TimeSpan UploadWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Other /api requests (tus chunks included) a caller may make per <see cref="ApiWindow"/>. Default 1200.</summary>
    public int ApiRequestsPerWindow { get; set; } = 1200;

    /// <summary>Default 1 minute.</summary>
    public TimeSpan ApiWindow { get; set; } = TimeSpan.FromMinutes(1);
}
