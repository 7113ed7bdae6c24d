using System.Text.Json.Nodes;

namespace Portal.Data.Entities;

public enum TrainingStatus
{
    Queued,
    Running,
    Succeeded,
    Refused,
    Failed,
    Canceled,
}

/// <summary>
/// One fine-tuning of a model on reviewed videos (issue 15), run by the Hangfire job on the training queue. The
/// trainer's epoch lines are kept in <see cref="EpochsJson"/> as they come, which is what the page shows live; a job
/// run again after its worker died adds the resumed trainer's lines to those of the attempts before it.
/// </summary>
public class TrainingRun
{
    private TrainingRun()
    {
    }

    public Guid Id { get; private set; }

    /// <summary>Whose reviewed videos it learns from; null: every owner's (an admin's choice).</summary>
    public string? DataOwnerId { get; private set; }

    /// <summary>The account that started it; the registered version belongs to it.</summary>
    public string StartedBy { get; private set; } = "";

    public string BaseModel { get; private set; } = "";

    /// <summary>The name the new version is registered under.</summary>
    public string ModelName { get; private set; } = "";

    public int Epochs { get; private set; }

    public TrainingStatus Status { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset? StartedAt { get; private set; }

    public DateTimeOffset? FinishedAt { get; private set; }

    /// <summary>The trainer's "counts" line: windows per label.</summary>
    public string? CountsJson { get; private set; }

    /// <summary>JSON array of the trainer's "epoch" lines, in order.</summary>
    public string EpochsJson { get; private set; } = "[]";

    /// <summary>Why it failed, or what it refused (labels with too few windows and the number needed).</summary>
    public string? Error { get; private set; }

    public Guid? ModelVersionId { get; private set; }

    /// <summary>Set by a cancel request; the running job sees it within a second and stops the trainer.</summary>
    public bool CancelRequested { get; private set; }

    public bool IsFinished => Status is TrainingStatus.Succeeded or TrainingStatus.Refused or TrainingStatus.Failed or TrainingStatus.Canceled;

    public static TrainingRun Create(Guid id, string? dataOwnerId, string startedBy, string baseModel, string modelName, int epochs, DateTimeOffset now) => new()
    {
        Id = id,
        DataOwnerId = dataOwnerId,
        StartedBy = startedBy,
        BaseModel = baseModel,
        ModelName = modelName,
        Epochs = epochs,
        Status = TrainingStatus.Queued,
        CreatedAt = now,
    };

    public void Start(DateTimeOffset now)
    {
        Status = TrainingStatus.Running;
        StartedAt ??= now;
    }

    public void RecordCounts(string countsJson) => CountsJson = countsJson;

    /// <summary>
    /// Adds the trainer's line for one epoch, kept in epoch order with one line per epoch. A line for an epoch already
    /// recorded replaces it and the lines after it: a resumed trainer starts again after its last checkpoint, so an
    /// epoch whose line was stored but not checkpointed is trained, and said, again. The lines of earlier epochs stay
    /// whether or not the resumed trainer repeats them.
    /// </summary>
    public void RecordEpoch(string epochJson)
    {
        var line = JsonNode.Parse(epochJson)!.AsObject();
        var epoch = line["epoch"]!.GetValue<int>();
        var lines = JsonNode.Parse(EpochsJson) as JsonArray ?? [];
        var kept = new JsonArray([.. lines.OfType<JsonObject>().Where(l => l["epoch"]?.GetValue<int>() < epoch).Select(l => l.DeepClone())]);
        kept.Add(line);
        EpochsJson = kept.ToJsonString();
    }

    public void RequestCancel() => CancelRequested = true;

    public void Finish(TrainingStatus status, string? error, Guid? modelVersionId, DateTimeOffset now)
    {
        Status = status;
        Error = error;
        ModelVersionId = modelVersionId;
        FinishedAt = now;
    }
}
