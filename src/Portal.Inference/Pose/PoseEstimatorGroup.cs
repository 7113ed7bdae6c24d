using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Portal.Inference.Frames;

namespace Portal.Inference.Pose;

/// <summary>
/// Several frames through the pose model at once: each estimator is a lane with a thread of its own, and frames are
/// dealt to the lanes in turn. On the CPU this uses the cores better than one session with as many intra-op threads:
/// MoveNet's operators are small, so a second intra-op thread adds ~30 % (the int8 MultiPose floor of the 139 s clip:
/// 20.0 s on one thread, 14.0 s on two), while two single-threaded sessions on alternate frames run almost side by
/// side (docs/decisions/0019). The lanes do not wait for each other: waiting for the slower of each pair of frames cost
/// the poses stage ~1 s of that clip's 12.5 s. A group of one is the plain sequential loop on another thread.
/// The estimators belong to the caller, who disposes the group (which waits for the lanes) before using them again.
/// </summary>
public sealed class PoseEstimatorGroup : IDisposable
{
    private readonly Lane[] _lanes;
    private long _posted;
    private bool _disposed;

    public PoseEstimatorGroup(IReadOnlyList<PoseEstimator> estimators)
    {
        ArgumentNullException.ThrowIfNull(estimators);
        ArgumentOutOfRangeException.ThrowIfZero(estimators.Count, nameof(estimators));
        _lanes = [.. estimators.Select((e, i) => new Lane(e, i))];
    }

    /// <summary>Frames estimated at once: one per estimator.</summary>
    public int Size => _lanes.Length;

    /// <summary>
    /// Queues <paramref name="frame"/> on the next lane in turn; the task completes with its people (or the
    /// estimator's error). The frame's memory must stay valid until then. Not thread-safe: one caller posts.
    /// </summary>
    public Task<IReadOnlyList<PosePerson>> EstimateAsync(RgbFrame frame) => _lanes[_posted++ % _lanes.Length].Post(frame);

    /// <summary>
    /// The people in every frame of <paramref name="frames"/>, in the frames' order, with <paramref name="posted"/>
    /// frames queued on the lanes at a time (twice the lanes keeps each lane's next frame queued while the caller works
    /// on a result). A frame must stay valid until <paramref name="posted"/> more have been asked of the source
    /// (<see cref="FrameReadAhead.ReadAheadAsync"/> with that hold, or copies); it still is when its result is yielded.
    /// The time spent waiting for the source is added to <see cref="SourceWait"/>.
    /// </summary>
    public async IAsyncEnumerable<(RgbFrame Frame, IReadOnlyList<PosePerson> People)> EstimateAllAsync(
        IAsyncEnumerable<RgbFrame> frames, int posted, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(posted);
        var inModel = new Queue<(RgbFrame Frame, Task<IReadOnlyList<PosePerson>> People)>(posted);
        await using var source = frames.GetAsyncEnumerator(cancellationToken);
        var more = true;
        while (more)
        {
            var waiting = Stopwatch.GetTimestamp();
            more = await source.MoveNextAsync();
            SourceWait += Stopwatch.GetTimestamp() - waiting;
            if (more)
            {
                inModel.Enqueue((source.Current, EstimateAsync(source.Current)));
            }

            while (inModel.Count > 0 && (inModel.Count == posted || !more))
            {
                var (frame, people) = inModel.Dequeue();
                yield return (frame, await people);
            }
        }
    }

    /// <summary>Time <see cref="EstimateAllAsync"/> waited for its source's frames, in <see cref="Stopwatch"/> ticks.</summary>
    public long SourceWait { get; private set; }

    /// <summary>
    /// The estimators' letterbox, inference and keypoint times (<see cref="PoseEstimator.Times"/>), averaged over the
    /// lanes: they run side by side, so the average is about the wall time one of them took (exact for one lane).
    /// Read it when no frame is in flight.
    /// </summary>
    public PoseEstimatorTimes Times
    {
        get
        {
            var (preprocess, inference, decode) = (0L, 0L, 0L);
            foreach (var lane in _lanes)
            {
                var times = lane.Estimator.Times;
                (preprocess, inference, decode) = (preprocess + times.Preprocess, inference + times.Inference, decode + times.Decode);
            }

            return new PoseEstimatorTimes(preprocess / Size, inference / Size, decode / Size);
        }
    }

    /// <summary>Lets each lane finish the frames already queued on it and waits for its thread to end.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var lane in _lanes)
        {
            lane.Complete();
        }

        foreach (var lane in _lanes)
        {
            lane.Join();
        }
    }

    private sealed class Lane
    {
        private readonly BlockingCollection<(RgbFrame Frame, TaskCompletionSource<IReadOnlyList<PosePerson>> Done)> _queue = [];
        private readonly Thread _thread;

        public Lane(PoseEstimator estimator, int number)
        {
            Estimator = estimator;
            _thread = new Thread(Run) { IsBackground = true, Name = $"pose lane {number}" };
            _thread.Start();
        }

        public PoseEstimator Estimator { get; }

        public Task<IReadOnlyList<PosePerson>> Post(RgbFrame frame)
        {
            // Continuations run elsewhere: the caller's tracking must not hold up this lane's next frame.
            var done = new TaskCompletionSource<IReadOnlyList<PosePerson>>(TaskCreationOptions.RunContinuationsAsynchronously);
            _queue.Add((frame, done));
            return done.Task;
        }

        public void Complete() => _queue.CompleteAdding();

        public void Join()
        {
            _thread.Join();
            _queue.Dispose();
        }

        private void Run()
        {
            foreach (var (frame, done) in _queue.GetConsumingEnumerable())
            {
                try
                {
                    done.SetResult(Estimator.Estimate(frame.Rgb.Span, frame.Width, frame.Height));
                }
                catch (Exception e)
                {
                    done.SetException(e);
                }
            }
        }
    }
}
