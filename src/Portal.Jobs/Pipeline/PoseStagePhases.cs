using System.Diagnostics;
using System.Globalization;
using Portal.Inference.Pose;

namespace Portal.Jobs.Pipeline;

/// <summary>
/// Where the wall time of one poses stage goes, summed per phase with <see cref="Stopwatch"/> timestamps (a few per
/// frame: nothing next to the model). Logged at the stage's end as one line that <c>./portal bench-pipeline</c> reads
/// back, so the breakdown is of the real stage, not of a separate program. The phases do not overlap each other; with
/// the decoder reading ahead, decode-wait is only the time the model waited for a frame, not FFmpeg's decoding time.
/// </summary>
public sealed class PoseStagePhases
{
    /// <summary>The start of the line; the bench looks for it in the log.</summary>
    public const string LogPrefix = "pose stage phases:";

    private readonly long _started = Stopwatch.GetTimestamp();
    private PoseEstimatorTimes _estimator;

    public int Frames { get; set; }

    public int IntraOpThreads { get; set; }

    public int ReadAhead { get; set; }

    /// <summary>Frames run through the model at once (<see cref="PoseEstimatorGroup"/>); the letterbox, inference
    /// and keypoint phases are then each estimator's average, the wall time they took side by side.</summary>
    public int FramesInFlight { get; set; } = 1;

    /// <summary>Waiting for the next decoded frame.</summary>
    public long DecodeWait { get; set; }

    /// <summary>Tracking, blob packing excluded.</summary>
    public long Tracking { get; set; }

    /// <summary>Packing finished tracks into pose blobs (inside the tracker's callback).</summary>
    public long BlobPacking { get; set; }

    /// <summary>Writing tracks into the transaction and numbering them.</summary>
    public long DatabaseWrites { get; set; }

    /// <summary>Progress reports and cancel checks (a separate connection at most every 2 s).</summary>
    public long Progress { get; set; }

    /// <summary>Adds the letterbox, inference and keypoint-decoding time the estimator spent since <paramref name="before"/>.</summary>
    public void AddEstimator(PoseEstimatorTimes now, PoseEstimatorTimes before) =>
        _estimator = new PoseEstimatorTimes(
            _estimator.Preprocess + (now - before).Preprocess, _estimator.Inference + (now - before).Inference, _estimator.Decode + (now - before).Decode);

    /// <summary>
    /// <c>pose stage phases: frames=N threads=T frames_in_flight=F read_ahead=D wall=S decode_wait=S preprocess=S inference=S
    /// keypoints=S tracking=S blobs=S db=S progress=S other=S</c>, seconds; other is the wall time no phase covers
    /// (scaling keypoints to the source, the loop itself).
    /// </summary>
    public override string ToString()
    {
        var wall = Stopwatch.GetTimestamp() - _started;
        (string Name, long Ticks)[] phases =
        [
            ("decode_wait", DecodeWait), ("preprocess", _estimator.Preprocess), ("inference", _estimator.Inference),
            ("keypoints", _estimator.Decode), ("tracking", Tracking), ("blobs", BlobPacking), ("db", DatabaseWrites),
            ("progress", Progress),
        ];
        var other = wall - phases.Sum(p => p.Ticks);
        return string.Create(CultureInfo.InvariantCulture,
            $"{LogPrefix} frames={Frames} threads={IntraOpThreads} frames_in_flight={FramesInFlight} read_ahead={ReadAhead} wall={Seconds(wall):F2} " +
            $"{string.Join(' ', phases.Select(p => $"{p.Name}={Seconds(p.Ticks):F2}"))} other={Seconds(other):F2}");
    }

    private static double Seconds(long ticks) => ticks / (double)Stopwatch.Frequency;
}
