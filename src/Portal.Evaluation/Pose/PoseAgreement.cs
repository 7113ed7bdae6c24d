using Portal.Inference.Frames;
using Portal.Inference.Pose;
using Portal.Inference.Tracking;

namespace Portal.Evaluation.Pose;

/// <summary>
/// Whether two ways of getting poses (a second pose model such as the int8 graph, or the same model on the clip
/// re-encoded) change what the action model says, clip by clip: each side's poses go through the pipeline's own steps
/// (decoding at the analysis rate, <see cref="PoseTracker"/> with the pose stage's gap, the action model's windows and
/// stride) and the top-1 label of every window is compared with the other side's window of the same person: a start
/// less than half the stride away and the nearest mean body position, within a tenth of the frame's longer side. The
/// start may differ because a track's windows are counted from its first frame, and one side may find a person a frame
/// before the other: with an exact start, such a track's every window went unpaired. Windows are paired by
/// where the person is rather than by track number because numbers follow the order in which tracks appear, so one
/// extra short track early in a clip would renumber every later person. A window with no partner (a person one side
/// did not see, or a track one side split so that no window starts there) is counted apart, not as a disagreement.
/// </summary>
public static class PoseAgreement
{
    /// <summary>One side of a comparison: a clip and the pose model run on it.</summary>
    public sealed record Side(string Clip, PoseEstimator Estimator);

    public sealed record Row(string Clip, int Frames, int SamePeopleCount, int Matched, int SameTop1, int OnlyFirst, int OnlySecond, int TracksFirst, int TracksSecond);

    /// <summary>A window's start, where its person is on average (pixels), and its top-1 label.</summary>
    public sealed record Window(long StartMs, double X, double Y, string Label);

    private const double MaxDistanceShare = 0.1;

    public static async Task<Row> CompareAsync(Side first, Side second, ActionRecognizer recognizer, double fps, CancellationToken cancellationToken)
    {
        var (firstWindows, firstPeople, firstTracks, size) = await Top1Async(first, recognizer, fps, cancellationToken);
        var (secondWindows, secondPeople, secondTracks, _) = await Top1Async(second, recognizer, fps, cancellationToken);
        var halfStrideMs = (long)Math.Round(recognizer.Card.Window.StrideSeconds * 1000 / 2);
        var pairs = Pair(firstWindows, secondWindows, MaxDistanceShare * size, startGapBelowMs: halfStrideMs);
        return new Row(Path.GetFileName(first.Clip), firstPeople.Count, firstPeople.Zip(secondPeople).Count(p => p.First == p.Second), pairs.Count,
            pairs.Count(p => p.First.Label == p.Second.Label), firstWindows.Count - pairs.Count, secondWindows.Count - pairs.Count, firstTracks, secondTracks);
    }

    /// <summary>
    /// Pairs windows whose starts differ by less than <paramref name="startGapBelowMs"/> (1: the same start) and which
    /// lie no farther apart than <paramref name="maxDistance"/>, each window at most once: the closest start first, then
    /// the nearest.
    /// </summary>
    public static List<(Window First, Window Second)> Pair(IReadOnlyList<Window> first, IReadOnlyList<Window> second, double maxDistance, long startGapBelowMs)
    {
        // A clip has hundreds of windows a side: every pair is looked at, no index needed.
        var candidates =
            from a in first
            from b in second
            let gap = Math.Abs(a.StartMs - b.StartMs)
            let distance = Math.Sqrt(Math.Pow(a.X - b.X, 2) + Math.Pow(a.Y - b.Y, 2))
            where gap < startGapBelowMs && distance <= maxDistance
            orderby gap, distance
            select (a, b);

        var pairs = new List<(Window, Window)>();
        var used = new HashSet<Window>(ReferenceEqualityComparer.Instance);
        foreach (var (a, b) in candidates)
        {
            if (!used.Contains(a) && !used.Contains(b))
            {
                used.Add(a);
                used.Add(b);
                pairs.Add((a, b));
            }
        }

        return pairs;
    }

    // Every window's top-1 label and where its person is, the number of people seen in each frame, the number of
    // tracks, and the frame's longer side.
    private static async Task<(List<Window> Windows, List<int> People, int Tracks, int Size)> Top1Async(
        Side side, ActionRecognizer recognizer, double fps, CancellationToken cancellationToken)
    {
        var tracks = new List<PersonTrack>();
        var times = new Dictionary<int, double>();
        var people = new List<int>();
        var size = 0;
        var tracker = new PoseTracker(new PoseTrackerOptions { MaxGapFrames = (int)Math.Ceiling(fps) }, tracks.Add);
        await foreach (var frame in FfmpegFrameReader.ReadAsync(side.Clip, new FrameReaderOptions { Fps = fps }, cancellationToken))
        {
            var found = side.Estimator.Estimate(frame.Rgb.Span, frame.Width, frame.Height);
            tracker.Push(frame.Index, found);
            times[frame.Index] = frame.Time;
            people.Add(found.Count);
            size = Math.Max(frame.Width, frame.Height);
        }

        tracker.Finish();
        var windows = new List<Window>();
        foreach (var track in tracks)
        {
            var trackTimes = track.Frames.Select(f => times[f.Frame]).ToList();
            var keypoints = track.Frames.Select(f => f.Person.Keypoints.SelectMany(k => new double[] { k.X, k.Y, k.Score }).ToArray()).ToList();
            foreach (var window in TrackWindows.Slice(trackTimes, keypoints, recognizer.Card.Window.Seconds, recognizer.Card.Window.StrideSeconds))
            {
                var (x, y) = MeanPosition(window.Frames);
                windows.Add(new Window((long)Math.Round(window.StartSeconds * 1000), x, y, recognizer.Classify(window.Frames, 1).TopK[0].Label));
            }
        }

        return (windows, people, tracks.Count, size);
    }

    // The mean of every keypoint of every frame of the window (x, y, score triples), weighted by score.
    private static (double X, double Y) MeanPosition(IReadOnlyList<double[]> frames)
    {
        var (x, y, weight) = (0.0, 0.0, 0.0);
        foreach (var frame in frames)
        {
            for (var i = 0; i + 2 < frame.Length; i += 3)
            {
                x += frame[i] * frame[i + 2];
                y += frame[i + 1] * frame[i + 2];
                weight += frame[i + 2];
            }
        }

        return weight > 0 ? (x / weight, y / weight) : (double.NaN, double.NaN);
    }
}
