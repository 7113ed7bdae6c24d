using Portal.Jobs.Pipeline;
using Portal.Web.Videos;

namespace Portal.UnitTests;

/// <summary>How limits are put to people in refusals and on the upload page.</summary>
public sealed class LimitFormatTests
{
    [Theory]
    [InlineData(5.24, "5.2 s")]
    [InlineData(59.96, "60 s")]
    [InlineData(125, "2:05")]
    [InlineData(3723.4, "1:02:03")]
    [InlineData(7200, "2 h")]
    [InlineData(5400, "90 min")]
    [InlineData(600, "10 min")]
    [InlineData(7390, "2:03:10")]
    public void Durations(double seconds, string expected) => Assert.Equal(expected, VideoLimitOptions.FormatDuration(seconds));

    [Theory]
    [InlineData(100, "1 KiB")]
    [InlineData(100 * 1024, "100 KiB")]
    [InlineData(4 * 1024 * 1024, "4 MiB")]
    [InlineData(3435973837L, "3.2 GiB")]
    [InlineData(2L * 1024 * 1024 * 1024, "2 GiB")]
    public void Sizes(long bytes, string expected) => Assert.Equal(expected, UploadOptions.FormatSize(bytes));
}
