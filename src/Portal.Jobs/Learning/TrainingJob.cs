using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Portal.Data;
using Portal.Jobs.Pipeline;

namespace Portal.Jobs.Learning;

/// <summary>
/// Fine-tunes a model on reviewed videos (issue 15): exports the reviewed set into the training's work folder, runs
/// the contract's `python3 -m portal_actions.finetune`, stores each line it prints, and registers the new version
/// only after its "done" line, in one transaction with the training's own row. On the training queue only.
/// A worker killed mid-training leaves the work folder (under the media root) and the row Running; Hangfire runs
/// the job again and the trainer resumes from its checkpoint (`--resume`). A cancel request kills the trainer
/// (SIGTERM, SIGKILL after <see cref="TrainingOptions.KillAfter"/>) within a second of being made.
/// </summary>
public sealed class TrainingJob(
    IDbContextFactory<PortalDbContext> dbFactory,
    ReviewedDataset dataset,
    ModelVersions versions,
    ModelRegistry models,
    IOptions<TrainingOptions> options,
    IOptions<PipelineOptions> pipeline,
    IOptions<MediaOptions> media,
    TimeProvider clock,
    ILogger<TrainingJob> logger)
{
    public const int RefusedExitCode = 3;

    private TrainingOptions Options => options.Value;

    private string ModelsRoot => Path.GetFullPath(pipeline.Value.ModelsRoot);

    private string TrainingRoot => Options.TrainerDirectory(ModelsRoot);

    public string WorkFolder(Guid id) => Path.Combine(
        Options.WorkRoot.Length > 0 ? Path.GetFullPath(Options.WorkRoot) : Path.Combine(Path.GetFullPath(media.Value.Root), "training"), id.ToString("N"));

    [Queue(JobQueues.Training)]
    [AutomaticRetry(Attempts = 3)]
    public async Task ExecuteAsync(Guid trainingId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var run = await db.TrainingRuns.SingleOrDefaultAsync(t => t.Id == trainingId, cancellationToken);
        if (run is null || run.IsFinished)
        {
            return;
        }

        if (run.CancelRequested)
        {
            await FinishAsync(db, run, TrainingStatus.Canceled, null, null, cancellationToken);
            return;
        }

        run.Start(clock.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        var work = WorkFolder(run.Id);
        var data = Path.Combine(work, "data");
        var output = Path.Combine(work, "out");
        Directory.CreateDirectory(output);
        var summary = await ExportOnceAsync(data, run.DataOwnerId, cancellationToken);
        if (summary.Tracks == 0)
        {
            await FinishAsync(db, run, TrainingStatus.Refused, "There are no reviewed tracks to learn from: mark tracks reviewed on the review page first.", null, cancellationToken);
            return;
        }

        string basePath;
        try
        {
            basePath = await BaseModelAsync(db, run.BaseModel, work, cancellationToken);
        }
        catch (PipelineFailure e)
        {
            // The base model was deleted or uninstalled since the training was queued: retrying will not bring it back.
            await FinishAsync(db, run, TrainingStatus.Failed, e.Message, null, cancellationToken);
            return;
        }

        var baseCard = Portal.Inference.Actions.ActionModelCard.Load(Path.ChangeExtension(basePath, null) + ".card.json");
        var version = await NextVersionAsync(db, run.ModelName, cancellationToken);
        var arguments = new List<string>
        {
            "-m", "portal_actions.finetune", "--data", data, "--base", basePath, "--out", output, "--name", run.ModelName, "--version", version,
            "--epochs", run.Epochs.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--min-windows", Options.MinWindows.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--threads", Options.Threads.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        var encoder = Path.Combine(ModelsRoot, "actions", baseCard.Name + ".encoder.pt");
        if (File.Exists(encoder))
        {
            arguments.AddRange(["--encoder", encoder]);
        }

        if (File.Exists(Path.Combine(output, "checkpoint.pt")))
        {
            arguments.Add("--resume");
        }

        var outcome = await RunTrainerAsync(run.Id, arguments, cancellationToken);
        // A worker shutting down: the row stays Running and the work folder stays, for the retry to resume.
        cancellationToken.ThrowIfCancellationRequested();
        await db.Entry(run).ReloadAsync(cancellationToken);
        switch (outcome)
        {
            case { Canceled: true }:
                await FinishAsync(db, run, TrainingStatus.Canceled, null, null, cancellationToken);
                break;
            case { Done: { } done }:
                await RegisterAsync(db, run, baseCard, summary, done, cancellationToken);
                break;
            case { Refused: { } refused }:
                await FinishAsync(db, run, TrainingStatus.Refused, refused, null, cancellationToken);
                break;
            default:
                await FinishAsync(db, run, TrainingStatus.Failed, outcome.Error ?? "The trainer stopped without saying why.", null, cancellationToken);
                break;
        }
    }

    /// <summary>The reviewed set in <paramref name="data"/>: exported once per training (a retry reuses it, so a resumed run sees the same data).</summary>
    private async Task<ReviewedDatasetSummary> ExportOnceAsync(string data, string? ownerId, CancellationToken cancellationToken)
    {
        var summaryPath = data + ".summary.json";
        if (Directory.Exists(data) && File.Exists(summaryPath))
        {
            return JsonSerializer.Deserialize<ReviewedDatasetSummary>(await File.ReadAllTextAsync(summaryPath, cancellationToken))!;
        }

        // Written beside and renamed: a worker killed mid-export leaves no half set that looks whole.
        var partial = data + ".partial";
        if (Directory.Exists(partial))
        {
            Directory.Delete(partial, recursive: true);
        }

        var summary = await dataset.ExportAsync(ownerId, partial, cancellationToken);
        Directory.Move(partial, data);
        await File.WriteAllTextAsync(summaryPath, JsonSerializer.Serialize(summary), cancellationToken);
        return summary;
    }

    /// <summary>The base model's ONNX path with its card beside it: a shipped model's own files, or a registered version copied out of the store.</summary>
    private async Task<string> BaseModelAsync(PortalDbContext db, string baseModel, string work, CancellationToken cancellationToken)
    {
        var card = models.ResolveActionCard(db, baseModel);
        if (File.Exists(card.CardPath))
        {
            return card.ModelPath;
        }

        var registered = ModelVersions.Find(db, $"{card.Name}@{card.Version}")!;
        var local = await versions.MaterializeAsync(registered, Path.Combine(work, "base"), cancellationToken);
        return local.ModelPath;
    }

    private static async Task<string> NextVersionAsync(PortalDbContext db, string name, CancellationToken cancellationToken)
    {
        var existing = await db.ModelVersions.Where(m => m.Name == name).Select(m => m.Version).ToListAsync(cancellationToken);
        return (existing.Select(v => int.TryParse(v, out var n) ? n : 0).DefaultIfEmpty(0).Max() + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task RegisterAsync(PortalDbContext db, TrainingRun run, Portal.Inference.Actions.ActionModelCard baseCard, ReviewedDatasetSummary summary, JsonObject done, CancellationToken cancellationToken)
    {
        var onnx = done["onnx"]?.GetValue<string>();
        var card = done["card"]?.GetValue<string>();
        if (onnx is null || card is null || !File.Exists(onnx) || !File.Exists(card))
        {
            await FinishAsync(db, run, TrainingStatus.Failed, $"The trainer said done but its model is missing ({onnx}, {card}).", null, cancellationToken);
            return;
        }

        var corrections = await db.SegmentCorrections.Where(c => summary.RunIds.Contains(c.RunId)).OrderBy(c => c.Id).Select(c => c.Id).ToListAsync(cancellationToken);
        var metrics = done["metrics"] as JsonObject ?? [];
        var draft = new ModelVersionDraft(run.ModelName, run.StartedBy, baseCard.Name, baseCard.Version, (JsonObject)metrics.DeepClone(),
            summary.VideoIds, corrections, (clock.GetUtcNow() - (run.StartedAt ?? run.CreatedAt)).TotalSeconds);
        // The training's row changes with the version's row: RegisterAsync saves both in its one transaction.
        var version = await versions.RegisterAsync(db, draft, onnx, card, cancellationToken, beforeSave: v => run.Finish(TrainingStatus.Succeeded, null, v.Id, clock.GetUtcNow()));
        logger.LogInformation("Training {Training} registered {Name}@{Version}", run.Id, version.Name, version.Version);
        DeleteWorkFolder(run.Id);
    }

    private async Task FinishAsync(PortalDbContext db, TrainingRun run, TrainingStatus status, string? error, Guid? version, CancellationToken cancellationToken)
    {
        run.Finish(status, error, version, clock.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        DeleteWorkFolder(run.Id);
    }

    private void DeleteWorkFolder(Guid id)
    {
        var work = WorkFolder(id);
        if (Directory.Exists(work))
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private sealed record TrainerOutcome(bool Canceled, JsonObject? Done, string? Refused, string? Error);

    /// <summary>Runs the trainer, storing its counts and epoch lines as they come, until it exits or is stopped.</summary>
    private async Task<TrainerOutcome> RunTrainerAsync(Guid trainingId, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(Options.Python)
        {
            WorkingDirectory = TrainingRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{Options.Python} did not start.");
        var stderr = new StringBuilder();
        var errors = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync(CancellationToken.None) is { } line)
            {
                lock (stderr)
                {
                    // The tail is what explains a crash; the whole log can be long.
                    stderr.AppendLine(line);
                    if (stderr.Length > 8000)
                    {
                        stderr.Remove(0, stderr.Length - 8000);
                    }
                }
            }
        }, CancellationToken.None);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var canceled = false;
        var watcher = Task.Run(async () =>
        {
            // A cancel request is a flag on the row (any web host can set it); polled each half second.
            while (!stop.IsCancellationRequested)
            {
                await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
                if (await db.TrainingRuns.Where(t => t.Id == trainingId).Select(t => t.CancelRequested).SingleAsync(CancellationToken.None))
                {
                    canceled = true;
                    break;
                }

                await Task.Delay(500, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            }

            if (!process.HasExited)
            {
                await StopAsync(process);
            }
        }, CancellationToken.None);

        JsonObject? done = null;
        string? refused = null;
        string? error = null;
        while (await process.StandardOutput.ReadLineAsync(CancellationToken.None) is { } line)
        {
            JsonObject? message;
            try
            {
                message = JsonNode.Parse(line) as JsonObject;
            }
            catch (JsonException)
            {
                message = null;
            }

            switch (message?["event"]?.GetValue<string>())
            {
                case "counts":
                    await UpdateAsync(trainingId, t => t.RecordCounts(message.ToJsonString()));
                    break;
                case "epoch":
                    // Added to the row's lines, not to this attempt's: after a resume the earlier attempts' epochs stay.
                    var json = message.ToJsonString();
                    await UpdateAsync(trainingId, t => t.RecordEpoch(json));
                    break;
                case "refused":
                    refused = RefusedMessage(message);
                    break;
                case "done":
                    done = message;
                    break;
                case "error":
                    error = message["message"]?.GetValue<string>();
                    break;
                default:
                    logger.LogWarning("Training {Training}: the trainer printed a line that is not the contract's JSON: {Line}", trainingId, line);
                    break;
            }
        }

        await process.WaitForExitAsync(CancellationToken.None);
        await stop.CancelAsync();
        await watcher;
        await errors;
        if (canceled || cancellationToken.IsCancellationRequested)
        {
            return new TrainerOutcome(canceled, null, null, null);
        }

        var tail = stderr.ToString().Trim();
        return process.ExitCode switch
        {
            0 when done is not null => new TrainerOutcome(false, done, null, null),
            RefusedExitCode => new TrainerOutcome(false, null, refused ?? "The trainer refused the data.", null),
            _ => new TrainerOutcome(false, null, null,
                $"The trainer exited with {process.ExitCode}: {error ?? (tail.Length == 0 ? "no message" : tail[Math.Max(0, tail.Length - 2000)..])}"),
        };
    }

    /// <summary>"Too few examples: squat has 12 windows, 20 needed; …" from the trainer's refused line.</summary>
    private static string RefusedMessage(JsonObject message)
    {
        var parts = (message["labels"] as JsonObject ?? []).Select(p =>
            $"'{p.Key}' has {p.Value?["windows"]} window(s), {p.Value?["needed"]} needed");
        return $"Too few examples to learn from: {string.Join("; ", parts)}. Review more of those actions (or leave the label out) and train again.";
    }

    private async Task UpdateAsync(Guid trainingId, Action<TrainingRun> change)
    {
        await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
        var run = await db.TrainingRuns.SingleAsync(t => t.Id == trainingId, CancellationToken.None);
        change(run);
        await db.SaveChangesAsync(CancellationToken.None);
    }

    /// <summary>SIGTERM, so the trainer can stop cleanly, then SIGKILL if it has not within <see cref="TrainingOptions.KillAfter"/>.</summary>
    private async Task StopAsync(Process process)
    {
        // .NET's Process.Kill is SIGKILL only; kill(1) sends the SIGTERM the contract asks the trainer to honour.
        using (var term = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) } }))
        {
            await term!.WaitForExitAsync(CancellationToken.None);
        }

        using var grace = new CancellationTokenSource(Options.KillAfter);
        try
        {
            await process.WaitForExitAsync(grace.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
        }
    }
}
