using Portal.Web.Videos;

namespace Portal.UnitTests;

public class FileNameTests
{
    [Theory]
    [InlineData("clip.mp4", "clip.mp4")]
    [InlineData("../../etc/passwd", "passwd")]
    [InlineData("C:\\Users\\me\\Videos\\match.avi", "match.avi")]
    [InlineData("", "upload")]
    [InlineData("bad\u0000name\n.mp4", "badname.mp4")]
    public void CleanFileName_KeepsOnlyTheLastSegment_WithoutControlCharacters(string sent, string kept) =>
        Assert.Equal(kept, VideoIntake.CleanFileName(sent));

    [Fact]
    public void CleanFileName_TrimsLongNames() => Assert.Equal(255, VideoIntake.CleanFileName(new string('a', 1000) + ".mp4").Length);
}
