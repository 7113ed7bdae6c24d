using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Jobs.Learning;
using Portal.Jobs.Pipeline;
using Portal.Web.Accounts;

namespace Portal.Web.Learning;

/// <summary>One label of the set a training would learn: its labelled windows, and how many more it needs (0: enough).</summary>
public sealed record LabelCount(string Label, int Windows, int Missing);

/// <summary>What a training with these settings would learn from, counted before it starts.</summary>
public sealed record TrainingPreview(int Tracks, int Videos, int MinWindows, IReadOnlyList<LabelCount> Labels, string? Problem)
{
    /// <summary>The trainer would accept this set: reviewed tracks, at least one label, none short of windows.</summary>
    public bool CanTrain => Problem is null && Labels.Count > 0 && Labels.All(l => l.Missing == 0);
}

/// <summary>
/// Counts the windows per label of a reviewed set the way the trainer will: the set is exported as the training job
/// exports it and counted by training/'s `portal_actions.counts`, which shares finetune.py's window rule and needs no
/// PyTorch. One rule in one place (Python) rather than a C# copy that could drift from it.
/// </summary>
public sealed class TrainingPreviews(
    ReviewedDataset dataset,
    ReviewedDatasetAccess access,
    IDbContextFactory<PortalDbContext> dbFactory,
    ModelRegistry models,
    IOptions<TrainingOptions> training,
    IOptions<PipelineOptions> pipeline)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>The preview for <paramref name="ownerEmail"/>'s reviewed data (see <see cref="ReviewedDatasetAccess"/>); null when that owner is not the caller's to name.</summary>
    public async Task<TrainingPreview?> CountAsync(ICurrentUser caller, string? ownerEmail, string? baseModel, CancellationToken cancellationToken)
    {
        var (found, ownerId) = await access.ResolveAsync(caller, ownerEmail, cancellationToken);
        if (!found)
        {
            return null;
        }

        var minWindows = training.Value.MinWindows;
        Portal.Inference.Actions.ActionModelCard card;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            try
            {
                card = models.ResolveActionCard(db, string.IsNullOrWhiteSpace(baseModel) ? null : baseModel.Trim());
            }
            catch (PipelineFailure e)
            {
                return new TrainingPreview(0, 0, minWindows, [], e.Message);
            }
        }

        var folder = Path.Combine(Path.GetTempPath(), "portal-train-preview-" + Guid.NewGuid().ToString("N"));
        try
        {
            var summary = await dataset.ExportAsync(ownerId, folder, cancellationToken);
            if (summary.Tracks == 0)
            {
                return new TrainingPreview(0, 0, minWindows, [], "There are no reviewed tracks to learn from: mark tracks reviewed on the review page first.");
            }

            // The counter needs only the base's window, not its weights (which a registered version keeps in the media store).
            var cardPath = Path.Combine(folder, "base.card.json");
            await File.WriteAllTextAsync(cardPath, new JsonObject
            {
                ["window"] = new JsonObject { ["seconds"] = card.Window.Seconds, ["strideSeconds"] = card.Window.StrideSeconds },
            }.ToJsonString(), cancellationToken);
            var counts = await RunCounterAsync(folder, cardPath, minWindows, cancellationToken);
            if (counts.Error is not null)
            {
                return new TrainingPreview(summary.Tracks, summary.Videos, minWindows, [], counts.Error);
            }

            var labels = counts.Labels!.Select(kv => new LabelCount(kv.Key, kv.Value, Math.Max(0, minWindows - kv.Value))).ToList();
            return new TrainingPreview(summary.Tracks, summary.Videos, minWindows, labels, null);
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private async Task<(IReadOnlyList<KeyValuePair<string, int>>? Labels, string? Error)> RunCounterAsync(string data, string cardPath, int minWindows, CancellationToken cancellationToken)
    {
        var options = training.Value;
        var start = new ProcessStartInfo(options.Python)
        {
            WorkingDirectory = options.TrainerDirectory(Path.GetFullPath(pipeline.Value.ModelsRoot)),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            ArgumentList = { "-m", "portal_actions.counts", "--data", data, "--card", cardPath, "--min-windows", minWindows.ToString(CultureInfo.InvariantCulture) },
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{options.Python} did not start.");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Patience);
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw;
        }

        var line = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        var result = line is null ? null : JsonNode.Parse(line) as JsonObject;
        if (process.ExitCode == 0 && result?["event"]?.GetValue<string>() == "counts" && result["labels"] is JsonObject labels)
        {
            return (labels.Select(kv => KeyValuePair.Create(kv.Key, kv.Value!.GetValue<int>())).ToList(), null);
        }

        var message = result?["message"]?.GetValue<string>() ?? (await stderr).Trim();
        return (null, $"The windows could not be counted ({options.Python} -m portal_actions.counts, exit {process.ExitCode}): {message}");
    }
}
