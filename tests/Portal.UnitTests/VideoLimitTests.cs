using Portal.Inference.Frames;

namespace Portal.UnitTests;

/// <summary>The size, frame and stream limits decide from ffprobe's facts alone, and each says which limit it is.</summary>
public sealed class VideoLimitTests
{
    private static readonly VideoLimitOptions Limits = new() { MaxWidth = 1920, MaxHeight = 1080, MaxFrameCount = 1000, MaxStreams = 2 };

    [Theory]
    [InlineData(1921, 1080, 1000, 2, "1921x1080; pictures up to 1920x1080")]
    [InlineData(1920, 1081, 1000, 2, "1920x1081; pictures up to 1920x1080")]
    [InlineData(1920, 1080, 1001, 2, "1,001 frames; videos up to 1,000 frames")]
    [InlineData(1920, 1080, 1000, 3, "3 streams; files with up to 2")]
    public void Refusal_NamesTheLimitPassed(int width, int height, long frames, int streams, string expected) =>
        Assert.Contains(expected, Limits.Refusal(Info(width, height, streams), frames), StringComparison.Ordinal);

    [Fact]
    public void Refusal_IsNull_AtTheLimits() => Assert.Null(Limits.Refusal(Info(1920, 1080, 2), 1000));

    [Fact]
    public void Refusal_UsesTheStoredPicture_NotTheRotatedDisplaySize() =>
        // A portrait phone video: stored 1920x1080, displayed 1080x1920; the stored size is what is decoded.
        Assert.Null(Limits.Refusal(Info(1920, 1080, 1) with { Width = 1080, Height = 1920, Rotation = 90 }, 10));

    private static VideoInfo Info(int codedWidth, int codedHeight, int streams) => new()
    {
        Width = codedWidth,
        Height = codedHeight,
        CodedWidth = codedWidth,
        CodedHeight = codedHeight,
        Fps = 30,
        StreamCount = streams,
    };
}
