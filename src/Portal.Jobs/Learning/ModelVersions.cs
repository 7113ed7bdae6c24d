using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Inference.Actions;

namespace Portal.Jobs.Learning;

/// <summary>What the training job knows about a finished model when it registers it.</summary>
public sealed record ModelVersionDraft(
    string Name,
    string OwnerId,
    string BaseName,
    string BaseVersion,
    JsonObject Metrics,
    IReadOnlyList<Guid> Videos,
    IReadOnlyList<long> Corrections,
    double DurationSeconds);

/// <summary>
/// The model registry (issue 15): registered action models, stored as a database row (card, metrics, provenance) and
/// an ONNX file in the media store. "NAME@VERSION" names one version; "NAME" alone the default one, else the newest.
/// </summary>
public sealed class ModelVersions(IMediaStore media, TimeProvider clock)
{
    /// <summary>The media key of a registered version's ONNX file.</summary>
    public static string OnnxKey(Guid id) => $"models/{id:N}/model.onnx";

    /// <summary>
    /// Registers the trained model at <paramref name="onnxPath"/> with its card at <paramref name="cardPath"/> as the next
    /// version of <paramref name="draft"/>'s name: the ONNX goes to the media store first, then the row is written in
    /// one transaction; if that fails the stored file is deleted again.
    /// </summary>
    /// <param name="beforeSave">Changes to other rows of <paramref name="db"/> that must be saved with the version (the training's own row).</param>
    public async Task<ModelVersion> RegisterAsync(PortalDbContext db, ModelVersionDraft draft, string onnxPath, string cardPath, CancellationToken cancellationToken, Action<ModelVersion>? beforeSave = null)
    {
        var id = Guid.CreateVersion7();
        var key = OnnxKey(id);
        await using (var source = File.OpenRead(onnxPath))
        await using (var target = media.OpenWrite(key))
        {
            await source.CopyToAsync(target, cancellationToken);
        }

        try
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var versions = await db.ModelVersions.Where(m => m.Name == draft.Name).Select(m => m.Version).ToListAsync(cancellationToken);
            var version = (versions.Select(v => int.TryParse(v, out var n) ? n : 0).DefaultIfEmpty(0).Max() + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            // The card says what the row says: its name and version are the registry's, its file the stored ONNX.
            var card = JsonNode.Parse(await File.ReadAllTextAsync(cardPath, cancellationToken))!.AsObject();
            card["name"] = draft.Name;
            card["version"] = version;
            card["file"] = "model.onnx";
            var cardJson = card.ToJsonString();
            var parsed = ActionModelCard.Parse(cardJson, cardPath);
            var row = ModelVersion.Create(id, draft.Name, version, draft.OwnerId, cardJson, key, draft.Metrics.ToJsonString(),
                JsonSerializer.Serialize(parsed.Labels), draft.BaseName, draft.BaseVersion,
                JsonSerializer.Serialize(new { videos = draft.Videos, corrections = draft.Corrections }), draft.DurationSeconds, clock.GetUtcNow());
            db.ModelVersions.Add(row);
            beforeSave?.Invoke(row);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return row;
        }
        catch
        {
            media.Delete(key);
            throw;
        }
    }

    /// <summary>The registered version <paramref name="model"/> names ("NAME@VERSION", or "NAME": the default, else the newest), or null.</summary>
    public static ModelVersion? Find(PortalDbContext db, string model)
    {
        var at = model.LastIndexOf('@');
        if (at > 0)
        {
            var (name, version) = (model[..at], model[(at + 1)..]);
            return db.ModelVersions.AsNoTracking().SingleOrDefault(m => m.Name == name && m.Version == version);
        }

        return db.ModelVersions.AsNoTracking().Where(m => m.Name == model)
            .OrderByDescending(m => m.IsDefault).ThenByDescending(m => m.CreatedAt).FirstOrDefault();
    }

    /// <summary>The registered version that is the default for new runs, if an admin made one so.</summary>
    public static ModelVersion? Default(PortalDbContext db) => db.ModelVersions.AsNoTracking().SingleOrDefault(m => m.IsDefault);

    /// <summary>Makes <paramref name="model"/> the default (false: no such version), or with null goes back to the shipped default.</summary>
    public static async Task<bool> SetDefaultAsync(PortalDbContext db, string? model, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var chosen = model is null ? null : Find(db, model);
        if (model is not null && chosen is null)
        {
            return false;
        }

        await db.ModelVersions.Where(m => m.IsDefault).ExecuteUpdateAsync(u => u.SetProperty(m => m.IsDefault, false), cancellationToken);
        if (chosen is not null)
        {
            await db.ModelVersions.Where(m => m.Id == chosen.Id).ExecuteUpdateAsync(u => u.SetProperty(m => m.IsDefault, true), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// Deletes a registered version (its row, then its ONNX in the media store), unless something still needs it: then
    /// the reason and nothing deleted. Needed: being the default, a processing run not yet finished with it, or a
    /// training not yet finished from it. Finished runs keep their results and the name and version stamped on them;
    /// only a new reprocess with the deleted version is refused (unknown model).
    /// </summary>
    public async Task<string?> DeleteAsync(PortalDbContext db, Guid id, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.Serializable, cancellationToken);
        var version = await db.ModelVersions.SingleAsync(m => m.Id == id, cancellationToken);
        var named = version.Name + "@" + version.Version;
        if (version.IsDefault)
        {
            return $"{named} is the default model: make another one the default first.";
        }

        var runs = await db.Runs.CountAsync(r => r.ActionModel == version.Name && r.ActionModelVersion == version.Version
            && r.Status != RunStatus.Succeeded && r.Status != RunStatus.Failed && r.Status != RunStatus.Canceled, cancellationToken);
        var trainings = await db.TrainingRuns.CountAsync(t => t.BaseModel == named
            && (t.Status == TrainingStatus.Queued || t.Status == TrainingStatus.Running), cancellationToken);
        if (runs + trainings > 0)
        {
            return $"{named} is in use by {runs} unfinished processing run(s) and {trainings} unfinished training(s); delete it when they are done.";
        }

        await db.ModelVersions.Where(m => m.Id == id).ExecuteDeleteAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        // The file after the row: a crash in between leaves an orphan file, never a row without its model.
        media.Delete(version.OnnxKey);
        return null;
    }

    /// <summary>
    /// A local copy of the version's card and ONNX for ONNX Runtime, which reads a path: the file comes from the
    /// media store through a lease and is copied into <paramref name="directory"/> (the lease of a remote store is a
    /// temporary download that ends with it).
    /// </summary>
    public async Task<ActionModelCard> MaterializeAsync(ModelVersion version, string directory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var onnx = Path.Combine(directory, "model.onnx");
        // model.card.json beside model.onnx: the trainer finds a base model's card by the ONNX file's name.
        var cardPath = Path.Combine(directory, "model.card.json");
        if (!File.Exists(onnx))
        {
            await using var lease = await media.LeaseForReadingAsync(version.OnnxKey, cancellationToken);
            var partial = onnx + ".partial";
            File.Copy(lease.Path, partial, overwrite: true);
            File.Move(partial, onnx, overwrite: true);
        }

        await File.WriteAllTextAsync(cardPath, version.CardJson, cancellationToken);
        return ActionModelCard.Load(cardPath);
    }
}
