namespace Portal.Data.Entities;

public enum RunStatus
{
    Queued,
    Processing,
    Succeeded,
    Failed,
    Canceled,
}

/// <summary>
/// One processing of one video with given models and options. Re-processing makes a new run; earlier runs and
/// their results stay. <see cref="CompletedStage"/> is the durable checkpoint: a restarted job resumes after it.
/// </summary>
public class ProcessingRun
{
    private ProcessingRun()
    {
    }

    public Guid Id { get; private set; }

    public Guid VideoId { get; private set; }

    public string OwnerId { get; private set; } = Video.AnonymousOwner;

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset? FinishedAt { get; private set; }

    public RunStatus Status { get; private set; }

    /// <summary>The last stage whose results are fully stored (null: none yet).</summary>
    public string? CompletedStage { get; private set; }

    public string PoseModel { get; private set; } = "";

    public string PoseModelVersion { get; private set; } = "";

    public string ActionModel { get; private set; } = "";

    public string ActionModelVersion { get; private set; } = "";

    /// <summary>Frames per second the video is analysed at (decoded, posed and tracked).</summary>
    public double AnalysisFps { get; private set; }

    /// <summary>Seconds between the starts of consecutive action windows.</summary>
    public double WindowStrideSeconds { get; private set; }

    /// <summary>Something a person should know about the result, e.g. that nobody was seen.</summary>
    public string? Note { get; private set; }

    public string? Error { get; private set; }

    /// <summary>Frames analysed by the pose stage.</summary>
    public int AnalysedFrames { get; private set; }

    public static ProcessingRun Create(Guid id, Video video, RunModels models, double analysisFps, double windowStrideSeconds, DateTimeOffset now) => new()
    {
        Id = id,
        VideoId = video.Id,
        OwnerId = video.OwnerId,
        CreatedAt = now,
        Status = RunStatus.Queued,
        PoseModel = models.PoseModel,
        PoseModelVersion = models.PoseModelVersion,
        ActionModel = models.ActionModel,
        ActionModelVersion = models.ActionModelVersion,
        AnalysisFps = analysisFps,
        WindowStrideSeconds = windowStrideSeconds,
    };

    public bool IsFinished => Status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Canceled;

    public void Start() => Status = RunStatus.Processing;

    public void CompleteStage(string stage) => CompletedStage = stage;

    public void RecordAnalysedFrames(int frames) => AnalysedFrames = frames;

    public void SetNote(string? note) => Note = note;

    public void MarkSucceeded(DateTimeOffset now)
    {
        Status = RunStatus.Succeeded;
        FinishedAt = now;
    }

    public void MarkFailed(string reason, DateTimeOffset now)
    {
        Status = RunStatus.Failed;
        Error = reason;
        FinishedAt = now;
    }

    public void MarkCanceled(DateTimeOffset now)
    {
        Status = RunStatus.Canceled;
        FinishedAt = now;
    }
}

/// <summary>The models a run uses, by name and version as their cards say.</summary>
public sealed record RunModels(string PoseModel, string PoseModelVersion, string ActionModel, string ActionModelVersion);
