namespace Portal.Inference.Actions;

/// <summary>One time window of a track: its span in seconds and the frames whose time falls inside it.</summary>
public sealed record TrackWindow(double StartSeconds, double EndSeconds, IReadOnlyList<double[]> Frames);

/// <summary>Where one window lies in a time-sorted track: its span in seconds and its frames' index range.</summary>
public readonly record struct WindowSpan(double StartSeconds, double EndSeconds, int FirstFrame, int FrameCount);

/// <summary>
/// Cuts a track into the windows an action model classifies: windows of <c>seconds</c> starting at the track's
/// first frame and every <c>stride</c> seconds after it, as many as cover the track (at least one; the last may
/// reach past the track's end). A window holds the frames with start &lt;= time &lt; start + seconds; windows
/// without frames (gaps in the track) are skipped. The end reported is start + seconds, or the track's last frame
/// time when that is earlier.
/// </summary>
public static class TrackWindows
{
    public static IReadOnlyList<TrackWindow> Slice(IReadOnlyList<double> times, IReadOnlyList<double[]> frames, double seconds, double stride)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(times.Count, frames.Count);
        // Frames in time order (stable, so equal times keep their order).
        var order = Enumerable.Range(0, times.Count).OrderBy(i => times[i]).ToArray();
        var windows = new List<TrackWindow>();
        foreach (var span in Spans(order.Select(i => times[i]).ToList(), seconds, stride))
        {
            var inside = new double[span.FrameCount][];
            for (var i = 0; i < inside.Length; i++)
            {
                inside[i] = frames[order[span.FirstFrame + i]];
            }

            windows.Add(new TrackWindow(span.StartSeconds, span.EndSeconds, inside));
        }

        return windows;
    }

    /// <summary>
    /// The windows of a track whose frame times are sorted, as index ranges: a caller can then read one stretch of
    /// frames at a time instead of holding an hour-long track's frames (and every window's copy of them) at once.
    /// </summary>
    public static IReadOnlyList<WindowSpan> Spans(IReadOnlyList<double> sortedTimes, double seconds, double stride)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(seconds, 0);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(stride, 0);
        var spans = new List<WindowSpan>();
        if (sortedTimes.Count == 0)
        {
            return spans;
        }

        for (var i = 1; i < sortedTimes.Count; i++)
        {
            if (sortedTimes[i] < sortedTimes[i - 1])
            {
                throw new ArgumentException($"Frame times must be sorted: {sortedTimes[i]} s follows {sortedTimes[i - 1]} s.", nameof(sortedTimes));
            }
        }

        // Windows start in increasing time, so two moving indices find each window's frames: linear in the track's
        // length, where scanning every frame for every window was quadratic (an hour at 10 fps is 36,000 frames and
        // 3,600 windows).
        var first = sortedTimes[0];
        var last = sortedTimes[^1];
        var count = Math.Max(1, 1 + (int)Math.Ceiling((last - first - seconds) / stride - 1e-9));
        var from = 0;
        var to = 0;
        for (var k = 0; k < count; k++)
        {
            var start = first + k * stride;
            var end = start + seconds;
            while (from < sortedTimes.Count && sortedTimes[from] < start - 1e-9)
            {
                from++;
            }

            to = Math.Max(to, from);
            while (to < sortedTimes.Count && sortedTimes[to] < end - 1e-9)
            {
                to++;
            }

            if (to > from)
            {
                spans.Add(new WindowSpan(start, Math.Min(end, last), from, to - from));
            }
        }

        return spans;
    }
}
