using System.CommandLine;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Portal.Jobs.Hosting;
using Portal.Jobs.Learning;
using Portal.Web.Accounts;
using Portal.Web.Hosting;
using Portal.Web.Videos;

namespace Portal.Web.Learning;

/// <summary>
/// `Portal.Web review mark VIDEO_ID [--track N]`, `review unmark …` and `dataset export [--owner EMAIL] --out DIR`:
/// like the account commands they talk to the database of a running portal without starting a web server. The
/// command line acts for the video's owner (it has the database, so it could act for anyone): the mark's reviewer
/// is the owner.
/// </summary>
public static class LearningCommandLine
{
    public static bool Handles(string[] args) => args is ["review", ..] or ["dataset", ..] or ["models", "registered" or "train", ..];

    /// <summary>The owner of the video, acting on its own video.</summary>
    private sealed record OwnerCaller(string OwnerId) : ICurrentUser
    {
        public bool IsAdmin => false;
    }

    /// <param name="settings">Configuration on top of the environment's (tests pass the connection string here).</param>
    public static Task<int> RunAsync(string[] args, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var root = new RootCommand("the portal's review, dataset and model registry commands (./portal review|dataset|models …)")
        {
            new Command("review", "review marks: a reviewed track's segments are training data")
            {
                ReviewCommand("mark", "marks a video's tracks (or one) reviewed", mark: true, settings),
                ReviewCommand("unmark", "removes the review mark", mark: false, settings),
            },
            new Command("dataset", "training sets") { ExportCommand(settings) },
            new Command("models", "the model registry") { RegisteredCommand(settings), TrainCommand(settings) },
        };
        return HostCommandLine.InvokeAsync(root, args);
    }

    private static Command ReviewCommand(string name, string description, bool mark, IReadOnlyDictionary<string, string?>? settings)
    {
        var video = new Argument<string>("VIDEO_ID") { Description = "the video's id, as GET /api/videos lists them" };
        var track = HostCommandLine.PositiveInt("--track", "one track only (default: every track)");
        return new Command(name, description) { video, track }.WithAction(parsed =>
            WithHostAsync(settings, jobs: false, services => ReviewAsync(services, mark, parsed.GetRequiredValue(video), parsed.GetValue(track))));
    }

    private static Command ExportCommand(IReadOnlyDictionary<string, string?>? settings)
    {
        var owner = new Option<string?>("--owner") { Description = "one owner's reviewed videos (default: every owner's)" };
        var output = new Option<string>("--out") { Description = "the folder to write (docs/formats.md)", Required = true };
        return new Command("export", "writes the reviewed tracks as a training set") { owner, output }.WithAction(parsed =>
            WithHostAsync(settings, jobs: false, services => ExportAsync(services, parsed.GetValue(owner), parsed.GetRequiredValue(output))));
    }

    private static Command RegisteredCommand(IReadOnlyDictionary<string, string?>? settings) =>
        new Command("registered", "the registered model versions, newest first").WithAction(_ =>
            WithHostAsync(settings, jobs: false, ListRegisteredAsync));

    private static Command TrainCommand(IReadOnlyDictionary<string, string?>? settings)
    {
        // Reviewed videos are the only source today; the flag says so on the command line and leaves room for others.
        var fromReviews = new Option<bool>("--from-reviews") { Description = "learn from the reviewed videos (required)" };
        var owner = new Option<string?>("--owner") { Description = "one owner's reviewed videos (default: every owner's)" };
        var baseModel = new Option<string?>("--base") { Description = "the model to fine-tune (default: the default model)" };
        var name = new Option<string?>("--name") { Description = "the new model's name" };
        var epochs = HostCommandLine.PositiveInt("--epochs", "training epochs");
        var command = new Command("train", "trains a model version through the training queue and prints its name last") { fromReviews, owner, baseModel, name, epochs };
        // Required on a flag is not enforced by System.CommandLine (a bool has a value without its token).
        command.Validators.Add(result =>
        {
            if (result.GetResult(fromReviews) is null)
            {
                result.AddError("--from-reviews is required: reviewed videos are what a training learns from.");
            }
        });
        return command.WithAction(parsed => WithHostAsync(settings, jobs: true, services => TrainAsync(services,
                new TrainingRequest(parsed.GetValue(baseModel), parsed.GetValue(name), parsed.GetValue(epochs), parsed.GetValue(owner)))));
    }

    /// <summary>Runs <paramref name="run"/> on a host with the portal's database (and, for a training, Hangfire's storage), no web server.</summary>
    private static async Task<int> WithHostAsync(IReadOnlyDictionary<string, string?>? settings, bool jobs, Func<IServiceProvider, Task<int>> run)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        builder.AddPortalData();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddAuditLog();
        builder.Services.AddSingleton<ReviewCommands>();
        if (jobs)
        {
            // Enqueueing needs Hangfire's storage and the model registry; no server: a worker runs the job.
            builder.AddPortalJobs();
            builder.Services.AddSingleton<ReviewedDatasetAccess>();
            builder.Services.AddSingleton<TrainingCommands>();
        }
        else
        {
            builder.Services.AddSingleton<ReviewedDataset>();
        }

        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        using var host = builder.Build();
        try
        {
            return await run(host.Services);
        }
        catch (IOException e)
        {
            return await FailAsync(1, e.Message);
        }
    }

    private static async Task<int> ReviewAsync(IServiceProvider services, bool mark, string videoText, int? track)
    {
        if (!Guid.TryParse(videoText, out var videoId))
        {
            return await FailAsync(2, $"'{videoText}' is not a video id (a GUID, as `GET /api/videos` lists them).");
        }

        var dbFactory = services.GetRequiredService<IDbContextFactory<PortalDbContext>>();
        string? owner;
        await using (var db = await dbFactory.CreateDbContextAsync())
        {
            owner = await db.Videos.Where(v => v.Id == videoId).Select(v => v.OwnerId).SingleOrDefaultAsync();
        }

        var reviews = services.GetRequiredService<ReviewCommands>();
        var what = track is { } n ? $"track {n} of video {videoId}" : $"video {videoId} (every track)";
        if (owner is null)
        {
            return await FailAsync(1, $"No video {videoId}.");
        }

        if (mark)
        {
            var marks = await reviews.MarkAsync(new OwnerCaller(owner), videoId, track, CancellationToken.None);
            if (marks is null)
            {
                return await FailAsync(1, $"Cannot mark {what}: the video has not been processed yet or its current run has no such track.");
            }

            Console.WriteLine($"Marked {what} reviewed.");
            return 0;
        }

        if (!await reviews.UnmarkAsync(new OwnerCaller(owner), videoId, track, CancellationToken.None))
        {
            return await FailAsync(1, $"Video {videoId} has not been processed yet.");
        }

        Console.WriteLine($"Removed the review mark of {what}.");
        return 0;
    }

    private static async Task<int> ExportAsync(IServiceProvider services, string? ownerEmail, string output)
    {
        string? ownerId = null;
        if (ownerEmail is not null)
        {
            ownerId = await ReviewedDatasetAccess.FindAccountAsync(services.GetRequiredService<IDbContextFactory<PortalDbContext>>(), ownerEmail, CancellationToken.None);
            if (ownerId is null)
            {
                return await FailAsync(1, $"No account with the email {ownerEmail}.");
            }
        }

        var summary = await services.GetRequiredService<ReviewedDataset>().ExportAsync(ownerId, Path.GetFullPath(output), CancellationToken.None);
        Console.WriteLine($"Wrote {summary.Tracks} reviewed track(s) of {summary.Videos} video(s), {summary.Segments} segment(s), " +
            $"labels [{string.Join(", ", summary.Labels)}] to {Path.GetFullPath(output)}");
        return 0;
    }

    /// <summary>The registered versions, newest first, as `./portal models list` shows them below the shipped cards.</summary>
    private static async Task<int> ListRegisteredAsync(IServiceProvider services)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var versions = await db.ModelVersions.AsNoTracking().OrderByDescending(m => m.CreatedAt).ToListAsync();
        if (versions.Count == 0)
        {
            Console.WriteLine("no registered model versions (train one from reviewed videos).");
            return 0;
        }

        var rows = versions.Select(v => (Name: $"{v.Name}@{v.Version}", Default: v.IsDefault ? "default" : "",
            Base: $"{v.BaseName}@{v.BaseVersion}", Accuracy: ValidationAccuracy(v.MetricsJson), Created: v.CreatedAt.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture))).ToList();
        var nameWidth = Math.Max(7, rows.Max(r => r.Name.Length));
        var baseWidth = Math.Max(4, rows.Max(r => r.Base.Length));
        Console.WriteLine($"{"VERSION".PadRight(nameWidth)}  {"DEFAULT",-7}  {"BASE".PadRight(baseWidth)}  {"VAL.ACC",-7}  CREATED");
        foreach (var r in rows)
        {
            Console.WriteLine($"{r.Name.PadRight(nameWidth)}  {r.Default,-7}  {r.Base.PadRight(baseWidth)}  {r.Accuracy,-7}  {r.Created}");
        }

        return 0;
    }

    /// <summary>The command line's caller for a training: an admin, so --owner may name anyone and none means every owner.</summary>
    private sealed record Operator : ICurrentUser
    {
        public string OwnerId => "command line";

        public bool IsAdmin => true;
    }

    /// <summary>Queues a training through the training queue, follows it, and prints the new version's name alone on the last line.</summary>
    private static async Task<int> TrainAsync(IServiceProvider services, TrainingRequest request)
    {
        var trainings = services.GetRequiredService<TrainingCommands>();
        var caller = new Operator();
        string? startedBy = null;
        if (request.Owner is { } email)
        {
            // The owner's training: it starts it and owns the version, as if they had pressed the button.
            startedBy = await ReviewedDatasetAccess.FindAccountAsync(services.GetRequiredService<IDbContextFactory<PortalDbContext>>(), email, CancellationToken.None);
            if (startedBy is null)
            {
                return await FailAsync(1, $"No account with the email {email}.");
            }
        }

        var (id, error, _) = await trainings.StartAsync(caller, request, CancellationToken.None, startedBy);
        if (id is not { } trainingId)
        {
            return await FailAsync(1, error ?? "The training could not start.");
        }

        Console.WriteLine($"Queued training {trainingId}; a worker serving the training queue (./portal worker --queues training) runs it.");
        var printed = 0;
        while (true)
        {
            var training = (await trainings.GetAsync(caller, trainingId, CancellationToken.None))!;
            foreach (var epoch in training.EpochLines.Skip(printed))
            {
                Console.WriteLine($"epoch {epoch["epoch"]}/{epoch["epochs"]}  loss {epoch["loss"]}  validation accuracy {epoch["validationAccuracy"]}");
            }

            printed = training.EpochLines.Count;
            if (training.Status is "Succeeded")
            {
                Console.WriteLine(training.ModelVersion);
                return 0;
            }

            if (training.Status is "Refused" or "Failed" or "Canceled")
            {
                return await FailAsync(1, $"Training {training.Status.ToLowerInvariant()}: {training.Error}");
            }

            await Task.Delay(500);
        }
    }

    private static string ValidationAccuracy(string metricsJson)
    {
        using var metrics = System.Text.Json.JsonDocument.Parse(metricsJson);
        return metrics.RootElement.TryGetProperty("validationAccuracy", out var value) && value.TryGetDouble(out var accuracy)
            ? accuracy.ToString("0.000", CultureInfo.InvariantCulture)
            : "-";
    }

    private static Task<int> FailAsync(int code, string message) => HostCommandLine.FailAsync(code, message);
}
