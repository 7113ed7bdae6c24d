namespace Portal.Web.Videos;

public sealed record ModelRef(string Name, string Version);

public sealed record LabelScore(string Label, float Score);

/// <summary>
/// A labelled stretch of a track. <see cref="Corrected"/> is true where a person changed it; <see cref="ModelLabel"/>
/// is then the label the model gave (null for a segment a person added).
/// </summary>
public sealed record SegmentDto(
    int Index,
    double StartSeconds,
    double EndSeconds,
    string Label,
    float Confidence,
    IReadOnlyList<LabelScore> TopK,
    double? KeyframeSeconds,
    string? KeyframeUrl,
    bool Corrected = false,
    string? ModelLabel = null);

public sealed record TrackDto(int TrackId, double StartSeconds, double EndSeconds, int FrameCount, IReadOnlyList<SegmentDto> Segments);

/// <summary>
/// The labelled timeline of one processing run of a video. <see cref="CorrectionsVersion"/> counts the run's
/// corrections: a client sends it back with its next correction so that a change made by someone else meanwhile is
/// reported as a conflict instead of being overwritten.
/// </summary>
public sealed record TimelineDto(
    Guid VideoId,
    Guid RunId,
    string Status,
    ModelRef Model,
    ModelRef PoseModel,
    double Fps,
    double DurationSeconds,
    string? Note,
    IReadOnlyList<TrackDto> Tracks,
    int CorrectionsVersion = 0);

/// <summary>
/// One classified window of one track with the attention that explains it. Model frame t covers the window evenly:
/// its centre is at <c>StartSeconds + (t + 0.5) * (EndSeconds - StartSeconds) / T</c>.
/// </summary>
public sealed record AttentionWindowDto(
    int TrackId,
    int Index,
    double StartSeconds,
    double EndSeconds,
    string Label,
    float Score,
    IReadOnlyList<float> FrameAttention,
    IReadOnlyList<float[]>? JointAttention);

/// <summary>The attention windows of a time range of the current run.</summary>
public sealed record AttentionDto(Guid VideoId, Guid RunId, string Layout, IReadOnlyList<AttentionWindowDto> Windows);

/// <summary>
/// A change to the segments of one track: <c>relabel</c>, <c>split</c>, <c>merge</c>, <c>delete</c> or <c>add</c>.
/// <see cref="Version"/> and <see cref="RunId"/>, when given, are the timeline's <c>correctionsVersion</c> and
/// <c>runId</c> the change was made against; if either is no longer current the change is refused as a conflict.
/// </summary>
public sealed record CorrectionRequest(
    string Kind,
    int Track,
    int? Segment = null,
    string? Label = null,
    double? AtSeconds = null,
    double? StartSeconds = null,
    double? EndSeconds = null,
    int? Version = null,
    Guid? RunId = null);

/// <summary>The corrected track and the run's corrections version after the change.</summary>
public sealed record CorrectionResultDto(int TrackId, double StartSeconds, double EndSeconds, int FrameCount, IReadOnlyList<SegmentDto> Segments, int CorrectionsVersion);

/// <summary>One stored correction: who changed which track when, and its segments before and after.</summary>
public sealed record CorrectionDto(long Id, int TrackId, string Kind, string Author, DateTimeOffset CreatedAt, IReadOnlyList<SegmentDto> Before, IReadOnlyList<SegmentDto> After);

/// <summary>One frame of one track: box <c>[x1,y1,x2,y2,score]</c> and keypoints <c>[x,y,score]</c> in source pixels.</summary>
public sealed record LabelledFrameDto(int Index, double Time, float[]? Box, IReadOnlyList<float[]> Keypoints);

public sealed record LabelledTrackDto(int TrackId, IReadOnlyList<SegmentDto> Segments, IReadOnlyList<LabelledFrameDto> Frames);

/// <summary>The skeletons of every track with their labelled segments: GET /api/videos/{id}/skeletons.json.</summary>
public sealed record LabelledSkeletonsDto(string Layout, double Fps, int Width, int Height, ModelRef PoseModel, ModelRef ActionModel, IReadOnlyList<LabelledTrackDto> Tracks);
