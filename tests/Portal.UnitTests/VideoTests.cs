using Portal.Data.Entities;

namespace Portal.UnitTests;

public class VideoTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 10, 0, 0, TimeSpan.Zero);

    private static Video NewVideo() => Video.Create(Guid.NewGuid(), Video.AnonymousOwner, "clip.mp4", "videos/x/source", 10, new string('0', 64), Now);

    [Fact]
    public void Create_StartsQueued_AtZeroProgress()
    {
        var video = NewVideo();

        Assert.Equal(VideoStatus.Queued, video.Status);
        Assert.Equal(0, video.Progress);
        Assert.False(video.IsFinished);
    }

    [Fact]
    public void StartStage_ClampsProgress_AndClearsAnEarlierError()
    {
        var video = NewVideo();
        video.MarkFailed("boom", Now);

        video.StartStage("probe", 1.5, Now);

        Assert.Equal(VideoStatus.Processing, video.Status);
        Assert.Equal(1, video.Progress);
        Assert.Null(video.Error);
    }

    [Fact]
    public void MarkFailed_KeepsTheReason_AndFinishes()
    {
        var video = NewVideo();

        video.MarkFailed("The file is empty (0 bytes).", Now);

        Assert.Equal(VideoStatus.Failed, video.Status);
        Assert.Equal("The file is empty (0 bytes).", video.Error);
        Assert.True(video.IsFinished);
    }

    [Theory]
    [InlineData(0, 320, 240)]
    [InlineData(90, 240, 320)]
    [InlineData(180, 320, 240)]
    [InlineData(270, 240, 320)]
    public void DisplaySize_SwapsWidthAndHeight_ForQuarterTurns(int rotation, int width, int height)
    {
        var video = NewVideo();
        video.RecordProbe(new VideoProbe(1, 25, 320, 240, "h264", rotation, 25), Now);

        Assert.Equal((width, height), video.DisplaySize);
    }

    [Fact]
    public void DisplaySize_IsUnknown_BeforeTheProbe() => Assert.Null(NewVideo().DisplaySize);
}
