using Portal.Inference.Actions;

namespace Portal.Inference.Tests.Actions;

public class TrackWindowsTests
{
    private static (List<double> Times, List<double[]> Frames) Track(int count, double fps)
    {
        var times = Enumerable.Range(0, count).Select(i => i / fps).ToList();
        return (times, times.Select(t => new[] { t }).ToList());
    }

    [Fact]
    public void Slice_CoversA4SecondTrack_With3OverlappingWindows()
    {
        var (times, frames) = Track(120, 30);

        var windows = TrackWindows.Slice(times, frames, 2.0, 1.0);

        Assert.Equal([0.0, 1.0, 2.0], windows.Select(w => w.StartSeconds));
        Assert.Equal(60, windows[0].Frames.Count);
        Assert.Equal(60, windows[2].Frames.Count);
        Assert.Equal(times[^1], windows[2].EndSeconds, 9);
    }

    [Fact]
    public void Slice_GivesOneWindow_ForATrackShorterThanAWindow()
    {
        var (times, frames) = Track(10, 30);

        var window = Assert.Single(TrackWindows.Slice(times, frames, 2.0, 1.0));

        Assert.Equal(10, window.Frames.Count);
    }

    [Fact]
    public void Slice_SkipsWindowsThatFallInAGapOfTheTrack()
    {
        var times = new List<double> { 0.0, 0.5, 5.0, 5.5 };
        var frames = times.Select(t => new[] { t }).ToList();

        var windows = TrackWindows.Slice(times, frames, 2.0, 1.0);

        Assert.All(windows, w => Assert.NotEmpty(w.Frames));
        Assert.DoesNotContain(windows, w => w.StartSeconds is 2.0 or 3.0);
    }
}
