using Portal.Inference.Frames;

namespace Portal.Inference.Pose;

/// <summary>
/// Several frames through the pose model at once, one per estimator, each on its own thread. On the CPU this uses the
/// cores better than one session with as many intra-op threads: MoveNet's operators are small, so a second intra-op
/// thread adds ~30 % (the int8 MultiPose floor of the 139 s clip: 20.0 s on one thread, 14.0 s on two), while two
/// single-threaded sessions on alternate frames run almost side by side (docs/benchmarks.md, "Frames in flight").
/// The estimators belong to the caller; a group of one is the plain sequential loop.
/// </summary>
public sealed class PoseEstimatorGroup
{
    private readonly IReadOnlyList<PoseEstimator> _estimators;

    public PoseEstimatorGroup(IReadOnlyList<PoseEstimator> estimators)
    {
        ArgumentNullException.ThrowIfNull(estimators);
        ArgumentOutOfRangeException.ThrowIfZero(estimators.Count, nameof(estimators));
        _estimators = estimators;
    }

    /// <summary>Frames estimated at once: one per estimator.</summary>
    public int Size => _estimators.Count;

    /// <summary>
    /// The people in each of up to <see cref="Size"/> frames, in the frames' order; frame i goes to estimator i. Each
    /// frame's memory must stay valid until this returns. (Several frames per estimator per call, to wait for the
    /// slowest less often, gained 1–2 % on the 139 s clip's floor: within its noise, so not done.)
    /// </summary>
    public IReadOnlyList<PosePerson>[] Estimate(IReadOnlyList<RgbFrame> frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(frames.Count, Size, nameof(frames));
        var results = new IReadOnlyList<PosePerson>[frames.Count];
        if (frames.Count == 1)
        {
            results[0] = _estimators[0].Estimate(frames[0].Rgb.Span, frames[0].Width, frames[0].Height);
            return results;
        }

        Parallel.For(0, frames.Count, new ParallelOptions { MaxDegreeOfParallelism = Size }, i =>
            results[i] = _estimators[i].Estimate(frames[i].Rgb.Span, frames[i].Width, frames[i].Height));
        return results;
    }

    /// <summary>
    /// The estimators' letterbox, inference and keypoint times (<see cref="PoseEstimator.Times"/>), averaged over the
    /// group: the estimators run side by side, so the average is the wall time one of them took (exact for a group of one).
    /// </summary>
    public PoseEstimatorTimes Times
    {
        get
        {
            var (preprocess, inference, decode) = (0L, 0L, 0L);
            foreach (var estimator in _estimators)
            {
                (preprocess, inference, decode) = (preprocess + estimator.Times.Preprocess, inference + estimator.Times.Inference, decode + estimator.Times.Decode);
            }

            return new PoseEstimatorTimes(preprocess / Size, inference / Size, decode / Size);
        }
    }
}
