using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Portal.Web.Uploads;

/// <summary>Header names, values and parsing rules of the tus 1.0.0 resumable upload protocol.</summary>
public static class TusProtocol
{
    public const string ProtocolVersion = "1.0.0";
    public const string Extensions = "creation,creation-with-upload,termination,checksum,expiration";
    public const string ChecksumAlgorithms = "sha1,sha256,sha512,md5";
    public const string OffsetContentType = "application/offset+octet-stream";

    public const string TusResumable = "Tus-Resumable";
    public const string TusVersion = "Tus-Version";
    public const string TusExtension = "Tus-Extension";
    public const string TusMaxSize = "Tus-Max-Size";
    public const string TusChecksumAlgorithm = "Tus-Checksum-Algorithm";
    public const string UploadLength = "Upload-Length";
    public const string UploadDeferLength = "Upload-Defer-Length";
    public const string UploadOffset = "Upload-Offset";
    public const string UploadMetadata = "Upload-Metadata";
    public const string UploadChecksum = "Upload-Checksum";
    public const string UploadExpires = "Upload-Expires";

    /// <summary>Portal's own header: the id of the video a completed upload became.</summary>
    public const string VideoId = "Portal-Video-Id";

    /// <summary>The status tus gives a chunk whose checksum does not match (the chunk is discarded).</summary>
    public const int ChecksumMismatch = 460;

    /// <summary>A non-negative decimal integer, as Upload-Length and Upload-Offset must be.</summary>
    public static bool TryParseSize(string? value, out long size)
    {
        size = 0;
        return !string.IsNullOrEmpty(value) && value.All(char.IsAsciiDigit) &&
            long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out size);
    }

    /// <summary>
    /// Upload-Metadata: comma-separated pairs of a key (no spaces or commas, unique) and an optional Base64 value.
    /// Returns the error sentence when the header is malformed.
    /// </summary>
    public static string? TryParseMetadata(string? header, out Dictionary<string, string> metadata)
    {
        metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(header))
        {
            return null;
        }

        foreach (var pair in header.Split(','))
        {
            var parts = pair.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length is 0 or > 2)
            {
                return $"Upload-Metadata has a malformed pair '{pair.Trim()}': expected a key, a space and a Base64 value.";
            }

            var value = "";
            if (parts.Length == 2)
            {
                try
                {
                    value = Encoding.UTF8.GetString(Convert.FromBase64String(parts[1]));
                }
                catch (FormatException)
                {
                    return $"The value of Upload-Metadata key '{parts[0]}' is not Base64.";
                }
            }

            if (!metadata.TryAdd(parts[0], value))
            {
                return $"Upload-Metadata names the key '{parts[0]}' twice.";
            }
        }

        return null;
    }

    /// <summary>
    /// Upload-Checksum: an algorithm name, a space and the Base64 digest of the request body. Returns the error
    /// sentence when it is malformed or names an algorithm Portal does not offer.
    /// </summary>
    public static string? TryParseChecksum(string header, out HashAlgorithmName algorithm, out byte[] expected)
    {
        algorithm = default;
        expected = [];
        var parts = header.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2)
        {
            return "Upload-Checksum must be an algorithm name, a space and the Base64 digest.";
        }

        HashAlgorithmName? known = parts[0].ToLowerInvariant() switch
        {
            "sha1" => HashAlgorithmName.SHA1,
            "sha256" => HashAlgorithmName.SHA256,
            "sha512" => HashAlgorithmName.SHA512,
            "md5" => HashAlgorithmName.MD5,
            _ => null,
        };
        if (known is null)
        {
            return $"The checksum algorithm '{parts[0]}' is not supported; use one of {ChecksumAlgorithms}.";
        }

        try
        {
            expected = Convert.FromBase64String(parts[1]);
        }
        catch (FormatException)
        {
            return "The digest in Upload-Checksum is not Base64.";
        }

        algorithm = known.Value;
        return null;
    }
}
