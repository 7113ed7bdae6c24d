using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Jobs.Learning;
using Portal.Jobs.Pipeline;
using Portal.Web.Accounts;

namespace Portal.Web.Learning;

/// <summary>A registered model version as the API lists it.</summary>
public sealed record ModelVersionDto(Guid Id, string Name, string Version, string BaseModel, bool IsDefault, string OwnerId, string Metrics, DateTimeOffset CreatedAt);

/// <summary>
/// An action model as the Models page shows it to one caller: a shipped one (no <see cref="Id"/>, nothing about
/// training) or a registered version. <see cref="StartedBy"/> is "you", the account's e-mail for an admin, else
/// "another user"; <see cref="Runs"/> and <see cref="Unfinished"/> count only the caller's own work (an admin's: all).
/// </summary>
public sealed record ModelRow(
    Guid? Id,
    string Named,
    string? BaseModel,
    IReadOnlyList<string> Labels,
    IReadOnlyList<string> Metrics,
    string? StartedBy,
    DateTimeOffset? CreatedAt,
    double? TrainingSeconds,
    bool IsDefault,
    int Runs,
    int Unfinished,
    bool MayDelete);

/// <summary>Everything the Models page lists: the models installed with the portal, then the registered versions.</summary>
public sealed record ModelsOverview(IReadOnlyList<ModelRow> Shipped, IReadOnlyList<ModelRow> Registered);

/// <summary>Outcome of a change to the registry: done, not the caller's to change (404), or refused with a reason (409).</summary>
public enum RegistryOutcome
{
    Done,
    NotFound,
    Refused,
}

/// <summary>
/// Managing the model registry: everyone signed in lists the versions (any owner may reprocess with one); only an
/// admin chooses the default; a version is deleted by the account it was trained for or by an admin.
/// </summary>
public sealed class RegistryCommands(
    IDbContextFactory<PortalDbContext> dbFactory,
    ModelVersions versions,
    ModelRegistry models,
    IOptions<PipelineOptions> pipeline,
    AuditLog audit)
{
    public async Task<IReadOnlyList<ModelVersionDto>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.ModelVersions.AsNoTracking().OrderBy(m => m.Name).ThenBy(m => m.CreatedAt)
            .Select(m => new ModelVersionDto(m.Id, m.Name, m.Version, m.BaseName + "@" + m.BaseVersion, m.IsDefault, m.OwnerId, m.MetricsJson, m.CreatedAt))
            .ToListAsync(cancellationToken);
    }

    /// <summary>
    /// The shipped models and every registered version (as <see cref="ListAsync"/>: any owner may reprocess with one),
    /// with what the caller may know about each: who trained it only as "you" unless the caller is an admin, and only the
    /// caller's own runs and trainings that use it.
    /// </summary>
    public async Task<ModelsOverview> OverviewAsync(ICurrentUser caller, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // Locals, so EF sends them as parameters instead of reading the interface inside the expressions.
        var owner = caller.OwnerId;
        var isAdmin = caller.IsAdmin;
        var runs = await db.Runs.Join(db.Videos.VisibleTo(caller), r => r.VideoId, v => v.Id, (r, _) => r)
            .GroupBy(r => new { r.ActionModel, r.ActionModelVersion })
            .Select(g => new
            {
                Named = g.Key.ActionModel + "@" + g.Key.ActionModelVersion,
                All = g.Count(),
                Unfinished = g.Count(r => r.Status != RunStatus.Succeeded && r.Status != RunStatus.Failed && r.Status != RunStatus.Canceled),
            })
            .ToDictionaryAsync(r => r.Named, cancellationToken);
        var trainings = await db.TrainingRuns.Where(t => (isAdmin || t.StartedBy == owner) && (t.Status == TrainingStatus.Queued || t.Status == TrainingStatus.Running))
            .GroupBy(t => t.BaseModel).Select(g => new { Named = g.Key, Count = g.Count() })
            .ToDictionaryAsync(t => t.Named, t => t.Count, cancellationToken);
        (int All, int Unfinished) Use(string named)
        {
            var used = runs.GetValueOrDefault(named);
            return (used?.All ?? 0, (used?.Unfinished ?? 0) + trainings.GetValueOrDefault(named));
        }

        var registered = await db.ModelVersions.AsNoTracking().OrderBy(m => m.Name).ThenBy(m => m.CreatedAt).ToListAsync(cancellationToken);
        var ownerIds = registered.Select(m => m.OwnerId).Distinct().ToList();
        var emails = isAdmin
            ? await db.Users.Where(u => ownerIds.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.Email, cancellationToken)
            : new Dictionary<string, string?>();
        var shippedDefault = registered.Any(m => m.IsDefault) ? null : pipeline.Value.ActionModel;
        var shipped = models.ActionModelNames().Select(models.ActionCard).Select(card =>
        {
            var named = card.Name + "@" + card.Version;
            var (all, unfinished) = Use(named);
            var metrics = card.Metrics.Select(m => $"top-1 {Percent(m.Top1)} on {m.Dataset} {m.Split} (n = {m.N})").ToList();
            return new ModelRow(null, named, null, card.Labels, metrics, null, null, null, card.Name == shippedDefault, all, unfinished, MayDelete: false);
        }).ToList();
        var versionRows = registered.Select(m =>
        {
            var named = m.Name + "@" + m.Version;
            var (all, unfinished) = Use(named);
            // `./portal models train` without --owner starts trainings as "command line", which is no account.
            var startedBy = m.OwnerId == owner ? "you" : isAdmin ? emails.GetValueOrDefault(m.OwnerId) ?? (Guid.TryParse(m.OwnerId, out _) ? "a deleted account" : m.OwnerId) : "another user";
            return new ModelRow(m.Id, named, m.BaseName + "@" + m.BaseVersion, JsonSerializer.Deserialize<List<string>>(m.LabelsJson) ?? [],
                TrainerMetrics(m.MetricsJson), startedBy, m.CreatedAt, m.DurationSeconds, m.IsDefault, all, unfinished, isAdmin || m.OwnerId == owner);
        }).ToList();
        return new ModelsOverview(shipped, versionRows);
    }

    /// <summary>The trainer's final metrics (docs/formats.md, the "done" line) as "name value" lines; accuracies as percentages.</summary>
    private static List<string> TrainerMetrics(string metricsJson) =>
        (JsonNode.Parse(metricsJson) as JsonObject ?? []).Select(p => $"{Words(p.Key)} " + (p.Value is JsonValue value && value.TryGetValue<double>(out var number)
                ? p.Key.EndsWith("Accuracy", StringComparison.Ordinal) ? Percent(number) : number.ToString(CultureInfo.InvariantCulture)
                : p.Value?.ToJsonString() ?? "–"))
            .ToList();

    /// <summary>"validationAccuracy" as "validation accuracy".</summary>
    private static string Words(string camelCase) => Regex.Replace(camelCase, "(?<=[a-z0-9])([A-Z])", " $1").ToLowerInvariant();

    private static string Percent(double fraction) => (fraction * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %";

    /// <summary>Makes the version the default for new runs (<paramref name="id"/> null: the shipped default again). Admins only.</summary>
    public async Task<RegistryOutcome> SetDefaultAsync(ICurrentUser caller, Guid? id, CancellationToken cancellationToken)
    {
        if (!caller.IsAdmin)
        {
            return RegistryOutcome.NotFound;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        string? named = null;
        if (id is { } chosen)
        {
            named = await db.ModelVersions.Where(m => m.Id == chosen).Select(m => m.Name + "@" + m.Version).SingleOrDefaultAsync(cancellationToken);
            if (named is null)
            {
                return RegistryOutcome.NotFound;
            }
        }

        if (!await ModelVersions.SetDefaultAsync(db, named, cancellationToken))
        {
            return RegistryOutcome.NotFound;
        }

        await audit.WriteAsync(AuditActions.ModelDefaultChanged, "model", id?.ToString(), named ?? "the shipped default", actorId: caller.OwnerId);
        return RegistryOutcome.Done;
    }

    public async Task<(RegistryOutcome Outcome, string? Reason)> DeleteAsync(ICurrentUser caller, Guid id, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var owner = caller.OwnerId;
        var named = await db.ModelVersions.Where(m => m.Id == id && (caller.IsAdmin || m.OwnerId == owner))
            .Select(m => m.Name + "@" + m.Version).SingleOrDefaultAsync(cancellationToken);
        if (named is null)
        {
            return (RegistryOutcome.NotFound, null);
        }

        var refused = await versions.DeleteAsync(db, id, cancellationToken);
        if (refused is not null)
        {
            return (RegistryOutcome.Refused, refused);
        }

        await audit.WriteAsync(AuditActions.ModelDeleted, "model", id.ToString(), named, actorId: caller.OwnerId);
        return (RegistryOutcome.Done, null);
    }
}
