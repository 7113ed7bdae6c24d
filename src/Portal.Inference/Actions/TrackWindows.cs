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

        var first = times.Min();
        var last = times.Max();
        var count = Math.Max(1, 1 + (int)Math.Ceiling((last - first - seconds) / stride - 1e-9));
        for (var k = 0; k < count; k++)
        {
            var start = first + k * stride;
            var end = start + seconds;
            var inside = new List<double[]>();
            for (var i = 0; i < times.Count; i++)
            {
                if (times[i] >= start - 1e-9 && times[i] < end - 1e-9)
                {
                    inside.Add(frames[i]);
                }
            }

            if (inside.Count > 0)
            {
                windows.Add(new TrackWindow(start, Math.Min(end, last), inside));
            }
        }

        return windows;
    }
}
