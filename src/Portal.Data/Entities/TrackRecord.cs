namespace Portal.Data.Entities;

/// <summary>
/// One tracked person of a run. <see cref="Poses"/> holds every frame of the track in one compact blob (format in
/// <c>Portal.Inference.Blobs.PoseBlob</c>): a row per track, not per keypoint.
/// </summary>
public class TrackRecord
{
    private TrackRecord()
    {
    }

    public long Id { get; private set; }

    public Guid RunId { get; private set; }

    /// <summary>The person's number within the run, 1, 2, ...: the id shown to people and used by the API.</summary>
    public int TrackNumber { get; private set; }

    public double StartSeconds { get; private set; }

    public double EndSeconds { get; private set; }

    public int FrameCount { get; private set; }

    public byte[] Poses { get; private set; } = [];

    public static TrackRecord Create(Guid runId, int trackNumber, double startSeconds, double endSeconds, int frameCount, byte[] poses) => new()
    {
        RunId = runId,
        TrackNumber = trackNumber,
        StartSeconds = startSeconds,
        EndSeconds = endSeconds,
        FrameCount = frameCount,
        Poses = poses,
    };
}

/// <summary>One classified window of one track, with the attention that explains it (float16 blobs).</summary>
public class ActionWindowRecord
{
    private ActionWindowRecord()
    {
    }

    public long Id { get; private set; }

    public Guid RunId { get; private set; }

    public int TrackNumber { get; private set; }

    public int WindowIndex { get; private set; }

    public double StartSeconds { get; private set; }

    public double EndSeconds { get; private set; }

    public string TopLabel { get; private set; } = "";

    public float TopScore { get; private set; }

    /// <summary>Softmax over the model's labels, float16, in the model card's label order.</summary>
    public byte[] Probabilities { get; private set; } = [];

    /// <summary>[T] float16: how much each of the window's frames drove the decision (sums to 1).</summary>
    public byte[] FrameAttention { get; private set; } = [];

    /// <summary>[T, V] float16 row-major: how much each joint drove it, per frame (rows sum to 1).</summary>
    public byte[] JointAttention { get; private set; } = [];

    public static ActionWindowRecord Create(Guid runId, int trackNumber, int windowIndex, double start, double end, string topLabel, float topScore, byte[] probabilities, byte[] frameAttention, byte[] jointAttention) => new()
    {
        RunId = runId,
        TrackNumber = trackNumber,
        WindowIndex = windowIndex,
        StartSeconds = start,
        EndSeconds = end,
        TopLabel = topLabel,
        TopScore = topScore,
        Probabilities = probabilities,
        FrameAttention = frameAttention,
        JointAttention = jointAttention,
    };
}

/// <summary>A labelled stretch of one track's time, as the model gave it.</summary>
public class SegmentRecord
{
    private SegmentRecord()
    {
    }

    public long Id { get; private set; }

    public Guid RunId { get; private set; }

    public int TrackNumber { get; private set; }

    public int SegmentIndex { get; private set; }

    public double StartSeconds { get; private set; }

    public double EndSeconds { get; private set; }

    public string Label { get; private set; } = "";

    public float Confidence { get; private set; }

    /// <summary>JSON array of {label, score}, best first.</summary>
    public string TopKJson { get; private set; } = "[]";

    public int FirstWindow { get; private set; }

    public int WindowCount { get; private set; }

    /// <summary>Time of the frame with the highest attention within the segment.</summary>
    public double? KeyframeSeconds { get; private set; }

    /// <summary>Media key of the rendered keyframe PNG (skeleton and joint heat drawn on the frame).</summary>
    public string? KeyframePath { get; private set; }

    public static SegmentRecord Create(Guid runId, int trackNumber, int segmentIndex, double start, double end, string label, float confidence, string topKJson, int firstWindow, int windowCount, double? keyframeSeconds) => new()
    {
        RunId = runId,
        TrackNumber = trackNumber,
        SegmentIndex = segmentIndex,
        StartSeconds = start,
        EndSeconds = end,
        Label = label,
        Confidence = confidence,
        TopKJson = topKJson,
        FirstWindow = firstWindow,
        WindowCount = windowCount,
        KeyframeSeconds = keyframeSeconds,
    };

    public void SetKeyframe(string path) => KeyframePath = path;
}
