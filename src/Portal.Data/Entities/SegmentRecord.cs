namespace Portal.Data.Entities;

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
    public string? KeyframeKey { get; private set; }

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

    public void SetKeyframe(string key) => KeyframeKey = key;
}
