using System.Diagnostics;
using System.Globalization;

namespace Portal.Jobs.Pipeline;

/// <summary>
/// Where the wall time of one keyframes stage goes, logged at its end as one line that <c>./portal bench-pipeline</c>
/// prints, as it does <see cref="PoseStagePhases"/>. With the next page read while this one is drawn, frame-wait is
/// only the time drawing waited for ffmpeg, not ffmpeg's whole time.
/// </summary>
public sealed class KeyframeStagePhases
{
    /// <summary>The start of the line; the bench looks for it in the log.</summary>
    public const string LogPrefix = "keyframe stage phases:";

    private readonly long _started = Stopwatch.GetTimestamp();

    public int Keyframes { get; set; }

    /// <summary>Waiting for a page of frames from ffmpeg.</summary>
    public long FrameWait { get; set; }

    /// <summary>Drawing the skeleton and heat, encoding the PNG and writing it to the media store.</summary>
    public long Drawing { get; set; }

    /// <summary>
    /// <c>keyframe stage phases: keyframes=N wall=S frame_wait=S drawing=S other=S</c>, seconds; other is the rest
    /// (the database: pages of segments, poses and attention, progress, commits).
    /// </summary>
    public override string ToString()
    {
        var wall = Stopwatch.GetTimestamp() - _started;
        return string.Create(CultureInfo.InvariantCulture,
            $"{LogPrefix} keyframes={Keyframes} wall={Seconds(wall):F2} frame_wait={Seconds(FrameWait):F2} drawing={Seconds(Drawing):F2} other={Seconds(wall - FrameWait - Drawing):F2}");
    }

    private static double Seconds(long ticks) => ticks / (double)Stopwatch.Frequency;
}
