using Portal.Inference.Pose;
using Portal.Inference.Tracking;

namespace Portal.Cli.Commands;

/// <summary>
/// Whether two ways of getting poses (a second pose model such as the int8 graph, or the same model on the clip
/// re-encoded) change what the action model says, clip by clip: each side's poses go through the pipeline's own steps
/// (decoding at the analysis rate, <see cref="PoseTracker"/> with the pose stage's gap, the action model's windows and
/// stride) and the top-1 label of every window is compared with the window of the same track number and start time
/// from the other side. Tracks are numbered in order of appearance by each run, so a track that one side splits or
/// misses leaves windows without a partner: those are counted apart, not as disagreements.
/// </summary>
internal static class PoseAgreement
{
    /// <summary>One side of a comparison: a clip and the pose model run on it.</summary>
    public sealed record Side(string Clip, PoseEstimator Estimator);

    public sealed record Row(string Clip, int Frames, int SamePeopleCount, int Matched, int SameTop1, int OnlyFirst, int OnlySecond);

    public static async Task<Row> CompareAsync(Side first, Side second, ActionRecognizer recognizer, double fps, CancellationToken cancellationToken)
    {
        var (firstWindows, firstPeople) = await Top1Async(first, recognizer, fps, cancellationToken);
        var (secondWindows, secondPeople) = await Top1Async(second, recognizer, fps, cancellationToken);
        var matched = firstWindows.Keys.Intersect(secondWindows.Keys).ToList();
        return new Row(Path.GetFileName(first.Clip), firstPeople.Count, firstPeople.Zip(secondPeople).Count(p => p.First == p.Second), matched.Count,
            matched.Count(k => firstWindows[k] == secondWindows[k]), firstWindows.Count - matched.Count, secondWindows.Count - matched.Count);
    }

    // The top-1 label of each (track, window start in ms), and the number of people seen in each frame.
    private static async Task<(Dictionary<(int Track, long StartMs), string> Windows, List<int> People)> Top1Async(
        Side side, ActionRecognizer recognizer, double fps, CancellationToken cancellationToken)
    {
        var tracks = new List<PersonTrack>();
        var times = new Dictionary<int, double>();
        var people = new List<int>();
        var tracker = new PoseTracker(new PoseTrackerOptions { MaxGapFrames = (int)Math.Ceiling(fps) }, tracks.Add);
        await foreach (var frame in FfmpegFrameReader.ReadAsync(side.Clip, new FrameReaderOptions { Fps = fps }, cancellationToken))
        {
            var found = side.Estimator.Estimate(frame.Rgb.Span, frame.Width, frame.Height);
            tracker.Push(frame.Index, found);
            times[frame.Index] = frame.Time;
            people.Add(found.Count);
        }

        tracker.Finish();
        var windows = new Dictionary<(int, long), string>();
        foreach (var (track, number) in tracks.OrderBy(t => t.FirstFrame).Select((t, i) => (t, i + 1)))
        {
            var trackTimes = track.Frames.Select(f => times[f.Frame]).ToList();
            var keypoints = track.Frames.Select(f => f.Person.Keypoints.SelectMany(k => new double[] { k.X, k.Y, k.Score }).ToArray()).ToList();
            foreach (var window in TrackWindows.Slice(trackTimes, keypoints, recognizer.Card.Window.Seconds, recognizer.Card.Window.StrideSeconds))
            {
                windows[(number, (long)Math.Round(window.StartSeconds * 1000))] = recognizer.Classify(window.Frames, 1).TopK[0].Label;
            }
        }

        return (windows, people);
    }
}
