using System.Diagnostics;
using System.Globalization;
using Portal.Inference.Pose;

namespace Portal.Jobs.Pipeline;

/// <summary>
/// Where the wall time of one poses stage goes, summed per phase with <see cref="Stopwatch"/> timestamps (a few per
/// frame: nothing next to the model). Logged at the stage's end as one line that <c>./portal bench-pipeline</c> reads
/// back, so the breakdown is of the real stage, not of a separate program. The stage's own phases do not overlap each
/// other and add up to its wall time with "other"; with the decoder reading ahead and the model running on lanes of
/// its own (<see cref="PoseEstimatorGroup"/>), decode-wait and model-wait are only the time the stage waited for them.
/// After "other" come the lanes' letterbox, inference and keypoint times, each lane's average: they overlap the rest.
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

    /// <summary>Frames run through the model at once (<see cref="PoseEstimatorGroup"/>).</summary>
    public int FramesInFlight { get; set; } = 1;

    /// <summary>Waiting for the next decoded frame.</summary>
    public long DecodeWait { get; set; }

    /// <summary>Waiting for the model's result of the oldest frame in flight.</summary>
    public long ModelWait { get; set; }

    /// <summary>Tracking, blob packing excluded.</summary>
    public long Tracking { get; set; }

    /// <summary>Packing finished tracks into pose blobs (inside the tracker's callback).</summary>
    public long BlobPacking { get; set; }

    /// <summary>Writing tracks into the transaction and numbering them.</summary>
    public long DatabaseWrites { get; set; }

    /// <summary>Progress reports and cancel checks (a separate connection at most every 2 s).</summary>
    public long Progress { get; set; }

    /// <summary>Adds the letterbox, inference and keypoint-decoding time the estimators spent since <paramref name="before"/> (a lane's average).</summary>
    public void AddEstimator(PoseEstimatorTimes now, PoseEstimatorTimes before) =>
        _estimator = new PoseEstimatorTimes(
            _estimator.Preprocess + (now - before).Preprocess, _estimator.Inference + (now - before).Inference, _estimator.Decode + (now - before).Decode);

    /// <summary>
    /// <c>pose stage phases: frames=N threads=T frames_in_flight=F read_ahead=D wall=S decode_wait=S model_wait=S
    /// tracking=S blobs=S db=S progress=S other=S lane_preprocess=S lane_inference=S lane_keypoints=S</c>, seconds;
    /// other is the wall time no phase of the stage covers (posting frames, scaling keypoints to the source, the loop).
    /// </summary>
    public override string ToString()
    {
        var wall = Stopwatch.GetTimestamp() - _started;
        (string Name, long Ticks)[] phases =
        [
            ("decode_wait", DecodeWait), ("model_wait", ModelWait), ("tracking", Tracking), ("blobs", BlobPacking),
            ("db", DatabaseWrites), ("progress", Progress),
        ];
        (string Name, long Ticks)[] lanes = [("lane_preprocess", _estimator.Preprocess), ("lane_inference", _estimator.Inference), ("lane_keypoints", _estimator.Decode)];
        var other = wall - phases.Sum(p => p.Ticks);
        return string.Create(CultureInfo.InvariantCulture,
            $"{LogPrefix} frames={Frames} threads={IntraOpThreads} frames_in_flight={FramesInFlight} read_ahead={ReadAhead} wall={Seconds(wall):F2} " +
            $"{string.Join(' ', phases.Select(p => $"{p.Name}={Seconds(p.Ticks):F2}"))} other={Seconds(other):F2} " +
            $"{string.Join(' ', lanes.Select(p => $"{p.Name}={Seconds(p.Ticks):F2}"))}");
    }

    private static double Seconds(long ticks) => ticks / (double)Stopwatch.Frequency;
}
