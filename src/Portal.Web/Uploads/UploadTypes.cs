namespace Portal.Web.Uploads;

/// <summary>
/// Which files the upload page and the resumable upload endpoint accept: a video media type, an animated GIF, or a
/// file name with a video extension (browsers leave the type empty for some containers). Whether the content really
/// is a video is for the probe to say; this only turns away what is plainly something else.
/// </summary>
public static class UploadTypes
{
    public static readonly IReadOnlyList<string> Extensions =
        [".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".gif", ".mpg", ".mpeg", ".wmv", ".flv", ".3gp", ".ts", ".mts", ".ogv"];

    /// <summary>The value for an input's accept attribute.</summary>
    public static string AcceptAttribute => "video/*,image/gif," + string.Join(',', Extensions);

    public static bool IsAccepted(string fileName, string? fileType)
    {
        var type = (fileType ?? "").Trim().ToLowerInvariant();
        if (type.StartsWith("video/", StringComparison.Ordinal) || type == "image/gif")
        {
            return true;
        }

        return Extensions.Contains(Path.GetExtension(fileName).ToLowerInvariant());
    }

    public static string Refusal(string fileName, string? fileType) =>
        $"'{fileName}' does not look like a video{(string.IsNullOrEmpty(fileType) ? "" : $" (its type is {fileType})")}: " +
        $"Portal accepts video files ({string.Join(", ", Extensions)}) and animated GIFs.";
}
