using Portal.Inference.Frames;

namespace Portal.Jobs.Pipeline;

/// <summary>
/// Decides whether a video's picture can go into the review proxy as it is, copied instead of re-encoded, because it
/// already is what the encoder would make: H.264 4:2:0 in a profile every browser plays, a constant frame rate, no
/// rotation, no side longer than the proxy's, a modest bit rate, and a key picture at least every 2 s. Re-encoding
/// decodes and encodes the whole video once more, the largest cost of the pipeline after pose estimation.
/// </summary>
public static class ProxyCopy
{
    /// <summary>The longest stretch between key pictures a proxy may have: a seek decodes at most this much.</summary>
    public const double MaxKeyIntervalSeconds = 2;

    /// <summary>Above this the picture is re-encoded anyway, to keep the proxy light to stream.</summary>
    private const long MaxBitRate = 8_000_000;

    private static readonly string[] BrowserProfiles = ["Constrained Baseline", "Baseline", "Main", "High"];

    /// <param name="path">The video <paramref name="info"/> was probed from.</param>
    public static async Task<bool> IsPossibleAsync(string path, VideoInfo info, int maxSide, CancellationToken cancellationToken)
    {
        var suitable = info.Codec == "h264" && info.PixelFormat == "yuv420p" && BrowserProfiles.Contains(info.Profile)
            && info.CodedWidth <= maxSide && info.CodedHeight <= maxSide
            && info.ConstantFrameRate
            && info.Rotation == 0 // rotation is applied by re-encoding
            && info.BitRate is <= MaxBitRate;
        return suitable && await FfmpegProbe.KeyPicturesAtMostApartAsync(path, MaxKeyIntervalSeconds, cancellationToken);
    }
}
