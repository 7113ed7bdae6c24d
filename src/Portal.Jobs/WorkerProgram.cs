using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Portal.Data;
using Portal.Jobs.Hosting;
using Portal.Jobs.Learning;
using Portal.Jobs.Monitoring;

namespace Portal.Jobs;

/// <summary>
/// The stand-alone worker (`./portal worker [--queues a,b]`): a Hangfire server and nothing else. It joins whatever
/// database and media root its configuration names; the web host owns the schema, so the worker never migrates.
/// </summary>
public static class WorkerProgram
{
    public static async Task<int> Main(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(WithQueuesOption(args));
        var worker = builder.Configuration.GetSection(WorkerOptions.SectionName).Get<WorkerOptions>() ?? new WorkerOptions();
        if (worker.Queues.Contains(JobQueues.Training, StringComparer.Ordinal))
        {
            var training = builder.Configuration.GetSection(TrainingOptions.SectionName).Get<TrainingOptions>() ?? new TrainingOptions();
            var modelsRoot = builder.Configuration.GetValue<string>("Portal:Pipeline:ModelsRoot") ?? "models";
            var trainingRoot = training.TrainingRoot.Length > 0 ? training.TrainingRoot : Path.Combine(Path.GetFullPath(modelsRoot), "..", "training");
            if (!await TrainingPrerequisites.EnsureAsync(training, Path.GetFullPath(trainingRoot), Console.Error))
            {
                return 1;
            }
        }

        builder.AddPortalData();
        builder.AddPortalJobs();
        builder.AddPortalWorker();
        builder.AddWorkerMetrics();
        await builder.Build().RunAsync();
        return 0;
    }

    /// <summary>`--queues media,training` as the configuration's Portal:Worker:Queues list; other arguments pass through.</summary>
    internal static string[] WithQueuesOption(string[] args)
    {
        var result = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--queues" && i + 1 < args.Length)
            {
                var queues = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                result.AddRange(queues.Select((q, n) => $"--{WorkerOptions.SectionName}:Queues:{n}={q}"));
            }
            else
            {
                result.Add(args[i]);
            }
        }

        return [.. result];
    }
}
