namespace Portal.Data.Entities;

public enum VideoStatus
{
    Queued,
    Processing,
    Succeeded,
    Failed,
    Canceled,
}

/// <summary>An uploaded clip and what the jobs found out about it.</summary>
public class Video
{
    /// <summary>Owner of every video until accounts exist.</summary>
    public const string AnonymousOwner = "anonymous";

    private Video()
    {
    }

    public Guid Id { get; private set; }

    /// <summary>Who may see and change this video (an account id once accounts exist).</summary>
    public string OwnerId { get; private set; } = AnonymousOwner;

    /// <summary>The name the user's file had; shown, never used as a path.</summary>
    public string OriginalFileName { get; private set; } = "";

    /// <summary>Media key of the uploaded file in the media store; generated from <see cref="Id"/>.</summary>
    public string MediaKey { get; private set; } = "";

    public long SizeBytes { get; private set; }

    /// <summary>Lower-case hex SHA-256 of the stored file.</summary>
    public string Sha256 { get; private set; } = "";

    public DateTimeOffset UploadedAt { get; private set; }

    public VideoStatus Status { get; private set; }

    /// <summary>Name of the stage being worked on or last finished (e.g. "probe").</summary>
    public string? Stage { get; private set; }

    /// <summary>Fraction of the whole processing done, 0..1.</summary>
    public double Progress { get; private set; }

    /// <summary>Why processing failed, in a sentence a person understands.</summary>
    public string? Error { get; private set; }

    public DateTimeOffset UpdatedAt { get; private set; }

    public double? DurationSeconds { get; private set; }

    public double? Fps { get; private set; }

    public int? Width { get; private set; }

    public int? Height { get; private set; }

    public string? Codec { get; private set; }

    /// <summary>Display rotation in degrees from the container (0, 90, 180, 270).</summary>
    public int? Rotation { get; private set; }

    public long? FrameCount { get; private set; }

    /// <summary>The picture size as displayed (rotation applied): the pixel space of stored poses. Null before the probe.</summary>
    public (int Width, int Height)? DisplaySize =>
        Width is { } w && Height is { } h ? (Rotation is 90 or 270 ? (h, w) : (w, h)) : null;

    /// <summary>
    /// The review proxy's picture as ffprobe read it when the proxy stage made it (null before, and for proxies made
    /// before this was recorded): the stages that decode the proxy take its size, rate and frame count from here
    /// instead of running ffprobe again each.
    /// </summary>
    public ProxyPicture? Proxy =>
        ProxyWidth is { } w && ProxyHeight is { } h && ProxyFps is { } fps ? new ProxyPicture(w, h, fps, ProxyFrameCount) : null;

    public int? ProxyWidth { get; private set; }

    public int? ProxyHeight { get; private set; }

    public double? ProxyFps { get; private set; }

    public long? ProxyFrameCount { get; private set; }

    /// <summary>The run whose results the video shows (the latest one started).</summary>
    public Guid? CurrentRunId { get; private set; }

    /// <summary>When the current stage is expected to finish, from its progress so far; null when unknown.</summary>
    public DateTimeOffset? EstimatedStageEnd { get; private set; }

    public static Video Create(Guid id, string ownerId, string originalFileName, string mediaKey, long sizeBytes, string sha256, DateTimeOffset now)
    {
        return new Video
        {
            Id = id,
            OwnerId = ownerId,
            OriginalFileName = originalFileName,
            MediaKey = mediaKey,
            SizeBytes = sizeBytes,
            Sha256 = sha256,
            UploadedAt = now,
            UpdatedAt = now,
            Status = VideoStatus.Queued,
            Progress = 0,
        };
    }

    public bool IsFinished => Status is VideoStatus.Succeeded or VideoStatus.Failed or VideoStatus.Canceled;

    public void StartStage(string stage, double progress, DateTimeOffset now)
    {
        Status = VideoStatus.Processing;
        Stage = stage;
        Progress = Math.Clamp(progress, 0, 1);
        Error = null;
        UpdatedAt = now;
    }

    /// <summary>Records how far the current stage is; <paramref name="progress"/> is the whole processing's fraction done.</summary>
    public void ReportProgress(string stage, double progress, DateTimeOffset? estimatedStageEnd, DateTimeOffset now)
    {
        Stage = stage;
        Progress = Math.Clamp(progress, 0, 1);
        EstimatedStageEnd = estimatedStageEnd;
        UpdatedAt = now;
    }

    /// <summary>Starts showing a new run: back to Queued until its first stage starts.</summary>
    public void AttachRun(Guid runId, DateTimeOffset now)
    {
        CurrentRunId = runId;
        Status = VideoStatus.Queued;
        Error = null;
        Progress = 0;
        EstimatedStageEnd = null;
        UpdatedAt = now;
    }

    public void RecordProbe(VideoProbe probe, DateTimeOffset now)
    {
        DurationSeconds = probe.DurationSeconds;
        Fps = probe.Fps;
        Width = probe.Width;
        Height = probe.Height;
        Codec = probe.Codec;
        Rotation = probe.Rotation;
        FrameCount = probe.FrameCount;
        UpdatedAt = now;
    }

    public void RecordProxy(ProxyPicture picture, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(picture);
        (ProxyWidth, ProxyHeight, ProxyFps, ProxyFrameCount) = (picture.Width, picture.Height, picture.Fps, picture.FrameCount);
        UpdatedAt = now;
    }

    public void MarkSucceeded(DateTimeOffset now)
    {
        Status = VideoStatus.Succeeded;
        Progress = 1;
        Error = null;
        EstimatedStageEnd = null;
        UpdatedAt = now;
    }

    public void MarkFailed(string reason, DateTimeOffset now)
    {
        Status = VideoStatus.Failed;
        Error = reason;
        EstimatedStageEnd = null;
        UpdatedAt = now;
    }

    public void MarkCanceled(DateTimeOffset now)
    {
        Status = VideoStatus.Canceled;
        EstimatedStageEnd = null;
        UpdatedAt = now;
    }
}

/// <summary>The review proxy's picture: its size, frame rate and frame count (null when the container does not say).</summary>
public sealed record ProxyPicture(int Width, int Height, double Fps, long? FrameCount);

/// <summary>What ffprobe reported about a video's first video stream.</summary>
public sealed record VideoProbe(double DurationSeconds, double Fps, int Width, int Height, string Codec, int Rotation, long? FrameCount);
