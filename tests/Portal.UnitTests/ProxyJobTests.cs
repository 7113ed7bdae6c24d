namespace Portal.UnitTests;

/// <summary>The sentence a user reads when the review proxy shows that a video breaks off.</summary>
public sealed class ProxyJobTests
{
    [Fact]
    public void BreaksOffMessage_QuotesFfmpegsComplaint_AndEndsWithOneClosingParenthesis()
    {
        var message = ProxyJob.BreaksOffMessage(120, 4.0, 10.0, "[h264 @ 0x5581] error while decoding MB 3 7 (Invalid data found when processing input)");

        Assert.Equal(
            "The video breaks off after frame 120 (4.0 s of 10.0 s): ffmpeg could not decode the rest; ffmpeg said: [h264 @ 0x5581] error while decoding MB 3 7 (Invalid data found when processing input).",
            message);
        Assert.DoesNotContain("))", message, StringComparison.Ordinal);
    }

    [Fact]
    public void BreaksOffMessage_EndsWithAFullStop_WhenFfmpegSaidNothing() =>
        Assert.Equal("The video breaks off after frame 3 (0.1 s of 10.0 s): ffmpeg could not decode the rest.", ProxyJob.BreaksOffMessage(3, 0.1, 10.0, null));
}
