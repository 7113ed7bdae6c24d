namespace Portal.Web.Videos;

/// <summary>A video as the API and the pages show it.</summary>
public sealed record VideoDto(
    Guid Id,
    string FileName,
    VideoStatus Status,
    string? Stage,
    double Progress,
    string? Error,
    double? DurationSeconds,
    double? Fps,
    int? Width,
    int? Height,
    string? Codec,
    int? Rotation,
    long? FrameCount,
    long SizeBytes,
    string Sha256,
    DateTimeOffset UploadedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? EstimatedStageEnd,
    Guid? CurrentRunId)
{
    public static VideoDto From(Video v) => new(
        v.Id, v.OriginalFileName, v.Status, v.Stage, v.Progress, v.Error, v.DurationSeconds, v.Fps, v.Width, v.Height, v.Codec,
        v.Rotation, v.FrameCount, v.SizeBytes, v.Sha256, v.UploadedAt, v.UpdatedAt, v.EstimatedStageEnd, v.CurrentRunId);
}
