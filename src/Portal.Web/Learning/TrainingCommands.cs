using System.Text.Json;
using System.Text.Json.Nodes;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Portal.Jobs.Learning;
using Portal.Jobs.Pipeline;
using Portal.Web.Accounts;

namespace Portal.Web.Learning;

/// <summary>A training as its owner sees it: settings, the trainer's counts and epoch lines so far, the outcome.</summary>
public sealed record TrainingDto(
    Guid Id,
    string Status,
    string BaseModel,
    string ModelName,
    int Epochs,
    string StartedBy,
    string? DataOwnerId,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt,
    JsonObject? Counts,
    IReadOnlyList<JsonObject> EpochLines,
    string? Error,
    string? ModelVersion,
    bool CancelRequested);

/// <summary>The body of POST /api/trainings.</summary>
public sealed record TrainingRequest(string? BaseModel, string? Name, int? Epochs, string? Owner);

/// <summary>Starting, following and canceling trainings; each belongs to the account that started it (admins see all).</summary>
public sealed class TrainingCommands(IDbContextFactory<PortalDbContext> dbFactory, ModelRegistry models, ReviewedDatasetAccess access, IBackgroundJobClient jobs, TimeProvider clock, AuditLog audit)
{
    public const int MaxEpochs = 200;

    /// <summary>Queues a training; the error says what is wrong with the request (null: queued, see the id).</summary>
    /// <param name="startedBy">Who the training is for when not the caller (the command line acting for an owner).</param>
    public async Task<(Guid? Id, string? Error, bool NotFound)> StartAsync(ICurrentUser caller, TrainingRequest request, CancellationToken cancellationToken, string? startedBy = null)
    {
        var (found, ownerId) = await access.ResolveAsync(caller, request.Owner, cancellationToken);
        if (!found)
        {
            return (null, null, true);
        }

        var epochs = request.Epochs ?? 10;
        if (epochs is < 1 or > MaxEpochs)
        {
            return (null, $"epochs must be 1 to {MaxEpochs}.", false);
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        Portal.Inference.Actions.ActionModelCard baseCard;
        try
        {
            baseCard = models.ResolveActionCard(db, string.IsNullOrWhiteSpace(request.BaseModel) ? null : request.BaseModel.Trim());
        }
        catch (PipelineFailure e)
        {
            return (null, e.Message, false);
        }

        var name = string.IsNullOrWhiteSpace(request.Name) ? $"{baseCard.Name}-custom" : request.Name.Trim();
        if (name.Length > 100 || name.Contains('@', StringComparison.Ordinal) || name.Contains('/', StringComparison.Ordinal) || models.ActionModelNames().Contains(name))
        {
            return (null, $"'{name}' cannot name a new model: up to 100 characters without '@' or '/', and not a shipped model's name.", false);
        }

        var run = TrainingRun.Create(Guid.CreateVersion7(), ownerId, startedBy ?? caller.OwnerId, $"{baseCard.Name}@{baseCard.Version}", name, epochs, clock.GetUtcNow());
        db.TrainingRuns.Add(run);
        await db.SaveChangesAsync(cancellationToken);
        jobs.Enqueue<TrainingJob>(job => job.ExecuteAsync(run.Id, CancellationToken.None));
        await audit.WriteAsync(AuditActions.TrainingStarted, "training", run.Id.ToString(), $"{name} from {run.BaseModel}, {epochs} epochs", actorId: caller.OwnerId);
        return (run.Id, null, false);
    }

    /// <summary>
    /// What a training can start from: the shipped models, then every registered version as NAME@VERSION (any owner
    /// may build on one, as any may reprocess with one); and the one to offer first, the default action model.
    /// </summary>
    public async Task<(IReadOnlyList<string> Names, string Preferred)> BaseModelsAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var registered = await db.ModelVersions.AsNoTracking().OrderBy(m => m.Name).ThenBy(m => m.CreatedAt)
            .Select(m => m.Name + "@" + m.Version).ToListAsync(cancellationToken);
        var fallback = models.ResolveActionCard(db, null);
        List<string> names = [.. models.ActionModelNames(), .. registered];
        return (names, names.Contains(fallback.Name) ? fallback.Name : names.FirstOrDefault() ?? "");
    }

    public async Task<TrainingDto?> GetAsync(ICurrentUser caller, Guid id, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var run = await Visible(db, caller).SingleOrDefaultAsync(t => t.Id == id, cancellationToken);
        return run is null ? null : await ToDtoAsync(db, run, cancellationToken);
    }

    /// <summary>The caller's trainings (an admin's: everyone's), newest first.</summary>
    public async Task<IReadOnlyList<TrainingDto>> ListAsync(ICurrentUser caller, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var runs = await Visible(db, caller).OrderByDescending(t => t.CreatedAt).Take(50).ToListAsync(cancellationToken);
        var list = new List<TrainingDto>();
        foreach (var run in runs)
        {
            list.Add(await ToDtoAsync(db, run, cancellationToken));
        }

        return list;
    }

    /// <summary>Asks the training to stop: false if there is no such training the caller may see.</summary>
    public async Task<bool> CancelAsync(ICurrentUser caller, Guid id, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var run = await Visible(db, caller).AsTracking().SingleOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (run is null)
        {
            return false;
        }

        if (!run.IsFinished)
        {
            run.RequestCancel();
            if (run.Status == TrainingStatus.Queued)
            {
                // Not started: nothing to stop, and the job will see the row finished.
                run.Finish(TrainingStatus.Canceled, null, null, clock.GetUtcNow());
            }

            await db.SaveChangesAsync(cancellationToken);
            await audit.WriteAsync(AuditActions.TrainingCanceled, "training", run.Id.ToString(), actorId: caller.OwnerId);
        }

        return true;
    }

    private static IQueryable<TrainingRun> Visible(PortalDbContext db, ICurrentUser caller)
    {
        var owner = caller.OwnerId;
        return caller.IsAdmin ? db.TrainingRuns.AsNoTracking() : db.TrainingRuns.AsNoTracking().Where(t => t.StartedBy == owner);
    }

    private static async Task<TrainingDto> ToDtoAsync(PortalDbContext db, TrainingRun run, CancellationToken cancellationToken)
    {
        var version = run.ModelVersionId is { } id
            ? await db.ModelVersions.Where(m => m.Id == id).Select(m => m.Name + "@" + m.Version).SingleOrDefaultAsync(cancellationToken)
            : null;
        return new TrainingDto(run.Id, run.Status.ToString(), run.BaseModel, run.ModelName, run.Epochs, run.StartedBy, run.DataOwnerId, run.CreatedAt, run.FinishedAt,
            run.CountsJson is null ? null : JsonNode.Parse(run.CountsJson) as JsonObject,
            (JsonNode.Parse(run.EpochsJson) as JsonArray ?? []).OfType<JsonObject>().ToList(),
            run.Error, version, run.CancelRequested);
    }
}
