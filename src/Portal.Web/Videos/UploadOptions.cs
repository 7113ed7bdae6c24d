namespace Portal.Web.Videos;

/// <summary>Limits on uploads (configuration section <c>Portal:Upload</c>).</summary>
public sealed class UploadOptions
{
    public const string SectionName = "Portal:Upload";

    /// <summary>Largest accepted file; larger uploads get 413. Default 2 GiB.</summary>
    public long MaxBytes { get; set; } = 2L * 1024 * 1024 * 1024;
}
