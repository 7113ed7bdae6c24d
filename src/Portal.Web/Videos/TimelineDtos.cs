namespace Portal.Web.Videos;

public sealed record ModelRef(string Name, string Version);

public sealed record LabelScore(string Label, float Score);

public sealed record SegmentDto(int Index, double StartSeconds, double EndSeconds, string Label, float Confidence, IReadOnlyList<LabelScore> TopK, double? KeyframeSeconds, string? KeyframeUrl);

public sealed record TrackDto(int TrackId, double StartSeconds, double EndSeconds, int FrameCount, IReadOnlyList<SegmentDto> Segments);

/// <summary>The labelled timeline of one processing run of a video.</summary>
public sealed record TimelineDto(
    Guid VideoId,
    Guid RunId,
    string Status,
    ModelRef Model,
    ModelRef PoseModel,
    double Fps,
    double DurationSeconds,
    string? Note,
    IReadOnlyList<TrackDto> Tracks);
