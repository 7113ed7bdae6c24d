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

    [Fact]
    public void Slice_FindsTheSameFramesAsCheckingEveryFrameForEveryWindow_OnATrackWithGaps()
    {
        var random = new Random(3);
        var times = new List<double>();
        var t = 0.0;
        for (var i = 0; i < 600; i++)
        {
            t += random.NextDouble() < 0.05 ? 1.0 + 2 * random.NextDouble() : 0.1; // 10 fps with gaps of 1-3 s
            times.Add(Math.Round(t, 3));
        }

        var frames = times.Select(x => new[] { x }).ToList();

        var windows = TrackWindows.Slice(times, frames, 2.0, 0.5);

        var expectedStarts = new List<double>();
        for (var start = times[0]; ; start += 0.5)
        {
            var inside = times.Where(x => x >= start - 1e-9 && x < start + 2.0 - 1e-9).ToList();
            if (inside.Count > 0)
            {
                expectedStarts.Add(start);
                var window = windows[expectedStarts.Count - 1];
                Assert.Equal(start, window.StartSeconds, 9);
                Assert.Equal(inside, window.Frames.Select(f => f[0]));
            }

            if (start + 2.0 >= times[^1])
            {
                break;
            }
        }

        Assert.Equal(expectedStarts.Count, windows.Count);
    }

    [Fact]
    public void Slice_CutsAnHourLongTrack_Quickly()
    {
        var (times, frames) = Track(36_000, 10);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var windows = TrackWindows.Slice(times, frames, 2.0, 1.0);

        Assert.Equal(3599, windows.Count);
        Assert.All(windows, w => Assert.Equal(20, w.Frames.Count));
        // Checking every frame for every window took seconds here; the sweep takes milliseconds (a loose bound, as
        // the machine may be busy).
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"{clock.Elapsed.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public void Spans_GiveTheSameWindowsAsSlice_AsIndexRangesIntoTheTrack()
    {
        var times = new List<double> { 0.0, 0.5, 1.0, 1.5, 2.0, 6.0, 6.5 };
        var frames = times.Select(t => new[] { t }).ToList();

        var spans = TrackWindows.Spans(times, 2.0, 1.0);
        var windows = TrackWindows.Slice(times, frames, 2.0, 1.0);

        Assert.Equal(windows.Select(w => (w.StartSeconds, w.EndSeconds)), spans.Select(s => (s.StartSeconds, s.EndSeconds)));
        Assert.Equal(windows.Select(w => w.Frames.Select(f => f[0]).ToList()), spans.Select(s => times.GetRange(s.FirstFrame, s.FrameCount)));
    }

    [Fact]
    public void Spans_RefuseUnsortedTimes()
    {
        var error = Assert.Throws<ArgumentException>(() => TrackWindows.Spans([0.0, 1.0, 0.5], 2.0, 1.0));

        Assert.Contains("sorted", error.Message);
    }
}
