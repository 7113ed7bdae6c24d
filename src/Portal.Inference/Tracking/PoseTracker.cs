using Portal.Inference.Pose;

namespace Portal.Inference.Tracking;

/// <summary>Options of <see cref="PoseTracker"/>; frame counts are in analysed frames.</summary>
public sealed record PoseTrackerOptions
{
    /// <summary>A track unmatched for more frames than this ends (people leave; short occlusions are bridged).</summary>
    public int MaxGapFrames { get; init; } = 10;

    /// <summary>Lowest similarity (0..1, see <see cref="PoseTracker.Similarity"/>) that links an observation to a track.</summary>
    public float MinSimilarity { get; init; } = 0.2f;

    /// <summary>Observations below this box score neither start nor extend tracks.</summary>
    public float MinBoxScore { get; init; } = 0.2f;

    /// <summary>Tracks seen in fewer frames than this are dropped as noise when they end.</summary>
    public int MinTrackFrames { get; init; } = 3;

    /// <summary>Keypoints below this score are ignored when comparing poses.</summary>
    public float MinKeypointScore { get; init; } = 0.2f;
}

/// <summary>A tracked person: stable id and the frames where they were seen (ascending, gaps allowed).</summary>
public sealed class PersonTrack(int id)
{
    private readonly List<(int Frame, PosePerson Person)> _frames = [];

    public int Id { get; } = id;

    public IReadOnlyList<(int Frame, PosePerson Person)> Frames => _frames;

    public int FirstFrame => _frames[0].Frame;

    public int LastFrame => _frames[^1].Frame;

    internal PosePerson Last => _frames[^1].Person;

    internal void Add(int frame, PosePerson observation) => _frames.Add((frame, observation));
}

/// <summary>
/// Links per-frame person observations into tracks with stable ids. Streaming: call <see cref="Push"/> once per
/// analysed frame in order and <see cref="Finish"/> at the end; tracks are handed to the callback as soon as they
/// end, so memory holds only the people currently in view.
/// </summary>
/// <remarks>
/// Assignment is greedy on a similarity that mixes box overlap (IoU) and pose closeness (an OKS-like score over
/// the joints both poses see confidently), highest pairs first. With the handful of people MoveNet reports per frame
/// greedy matching gives the same answer as the Hungarian method except in rare ties, and it is easy to follow.
/// A track keeps its last box through a gap of up to <see cref="PoseTrackerOptions.MaxGapFrames"/> frames.
/// </remarks>
public sealed class PoseTracker(PoseTrackerOptions options, Action<PersonTrack> onTrackFinished)
{
    private readonly List<PersonTrack> _active = [];
    private int _nextId = 1;
    private int _lastFrame = -1;

    public void Push(int frame, IReadOnlyList<PosePerson> observations)
    {
        if (frame <= _lastFrame)
        {
            throw new ArgumentOutOfRangeException(nameof(frame), $"Frames must be pushed in increasing order ({frame} after {_lastFrame}).");
        }

        _lastFrame = frame;
        var candidates = observations.Where(o => BoxF.ScoreOf(o) >= options.MinBoxScore).ToList();
        var pairs = new List<(float Similarity, PersonTrack Track, PosePerson Observation)>();
        foreach (var track in _active)
        {
            foreach (var observation in candidates)
            {
                var similarity = Similarity(track.Last, observation, options.MinKeypointScore);
                if (similarity >= options.MinSimilarity)
                {
                    pairs.Add((similarity, track, observation));
                }
            }
        }

        var matchedTracks = new HashSet<PersonTrack>();
        var matchedObservations = new HashSet<PosePerson>(ReferenceEqualityComparer.Instance);
        foreach (var (_, track, observation) in pairs.OrderByDescending(p => p.Similarity).ThenBy(p => p.Track.Id))
        {
            if (matchedTracks.Contains(track) || matchedObservations.Contains(observation))
            {
                continue;
            }

            track.Add(frame, observation);
            matchedTracks.Add(track);
            matchedObservations.Add(observation);
        }

        foreach (var observation in candidates.Where(o => !matchedObservations.Contains(o)))
        {
            var track = new PersonTrack(_nextId++);
            track.Add(frame, observation);
            _active.Add(track);
        }

        for (var i = _active.Count - 1; i >= 0; i--)
        {
            if (frame - _active[i].LastFrame > options.MaxGapFrames)
            {
                End(i);
            }
        }
    }

    public void Finish()
    {
        for (var i = _active.Count - 1; i >= 0; i--)
        {
            End(i);
        }
    }

    private void End(int index)
    {
        var track = _active[index];
        _active.RemoveAt(index);
        if (track.Frames.Count >= options.MinTrackFrames)
        {
            onTrackFinished(track);
        }
    }

    /// <summary>
    /// 0..1: the mean of box IoU and pose closeness. Pose closeness is exp(-d²/(2s²)) averaged over joints seen by
    /// both, with d the joint distance and s the larger box's diagonal × 0.1 (a person-scale tolerance).
    /// </summary>
    public static float Similarity(PosePerson a, PosePerson b, float minKeypointScore)
    {
        var boxA = BoxF.Of(a, minKeypointScore);
        var boxB = BoxF.Of(b, minKeypointScore);
        var iou = boxA.IntersectionOverUnion(boxB);
        var scale = 0.1f * MathF.Sqrt(Math.Max(
            boxA.Width * boxA.Width + boxA.Height * boxA.Height,
            boxB.Width * boxB.Width + boxB.Height * boxB.Height));
        if (scale <= 0 || a.Keypoints.Count != b.Keypoints.Count)
        {
            return iou;
        }

        float sum = 0;
        var count = 0;
        for (var j = 0; j < a.Keypoints.Count; j++)
        {
            var (ka, kb) = (a.Keypoints[j], b.Keypoints[j]);
            if (ka.Score < minKeypointScore || kb.Score < minKeypointScore)
            {
                continue;
            }

            var dx = ka.X - kb.X;
            var dy = ka.Y - kb.Y;
            sum += MathF.Exp(-(dx * dx + dy * dy) / (2 * scale * scale));
            count++;
        }

        return count == 0 ? iou : 0.5f * iou + 0.5f * (sum / count);
    }
}
