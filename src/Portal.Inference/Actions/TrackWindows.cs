namespace Portal.Inference.Actions;

/// <summary>One time window of a track: its span in seconds and the frames whose time falls inside it.</summary>
public sealed record TrackWindow(double StartSeconds, double EndSeconds, IReadOnlyList<double[]> Frames);

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
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(seconds, 0);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(stride, 0);
        var windows = new List<TrackWindow>();
        if (times.Count == 0)
        {
            return windows;
        }

        // Frames in time order (stable, so equal times keep their order); windows start in increasing time, so two
        // moving indices find each window's frames: linear in the track's length after the sort, where scanning
        // every frame for every window was quadratic (an hour-long track has 36,000 frames and 3,600 windows).
        var order = Enumerable.Range(0, times.Count).OrderBy(i => times[i]).ToArray();
        var first = times[order[0]];
        var last = times[order[^1]];
        var count = Math.Max(1, 1 + (int)Math.Ceiling((last - first - seconds) / stride - 1e-9));
        var from = 0;
        var to = 0;
        for (var k = 0; k < count; k++)
        {
            var start = first + k * stride;
            var end = start + seconds;
            while (from < order.Length && times[order[from]] < start - 1e-9)
            {
                from++;
            }

            to = Math.Max(to, from);
            while (to < order.Length && times[order[to]] < end - 1e-9)
            {
                to++;
            }

            if (to > from)
            {
                var inside = new double[to - from][];
                for (var i = from; i < to; i++)
                {
                    inside[i - from] = frames[order[i]];
                }

                windows.Add(new TrackWindow(start, Math.Min(end, last), inside));
            }
        }

        return windows;
    }
}
