using Hangfire.PostgreSql;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Portal.Data;
using Portal.Inference.Onnx;
using Portal.Jobs.Learning;
using Portal.Jobs.Media;
using Portal.Jobs.Monitoring;
using Portal.Jobs.Pipeline;

namespace Portal.Jobs.Hosting;

public static class JobsServiceCollectionExtensions
{
    public const string HangfireSchema = "hangfire";

    /// <summary>Hangfire storage in PostgreSQL (schema <c>hangfire</c>) and the job classes; enqueueing works after this.</summary>
    public static IHostApplicationBuilder AddPortalJobs(this IHostApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString(DataServiceCollectionExtensions.ConnectionStringName)!;
        builder.Services.AddHangfire(configuration => configuration
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UsePostgreSqlStorage(
                options => options.UseNpgsqlConnection(connectionString),
                new PostgreSqlStorageOptions
                {
                    SchemaName = HangfireSchema,
                    PrepareSchemaIfNecessary = true,
                    // LISTEN/NOTIFY wakes an idle worker as soon as a job is enqueued; polling stays as the fallback.
                    EnableLongPolling = true,
                    QueuePollInterval = TimeSpan.FromSeconds(5),
                    // A job of a killed worker becomes visible again after this; live workers keep extending it.
                    UseSlidingInvisibilityTimeout = true,
                    InvisibilityTimeout = TimeSpan.FromSeconds(builder.Configuration.GetValue("Portal:Worker:InvisibilityTimeoutSeconds", 120)),
                }));
        builder.Services.TryAddPortalClock();
        builder.Services.AddOptions<PipelineOptions>().Bind(builder.Configuration.GetSection(PipelineOptions.SectionName))
            .Validate(o => o.AnalysisFps is > 0 and <= 60, "Portal:Pipeline:AnalysisFps must be in (0, 60].")
            .ValidateOnStart();
        builder.Services.AddOptions<VideoLimitOptions>().Bind(builder.Configuration.GetSection(VideoLimitOptions.SectionName))
            .Validate(o => o.MaxDurationSeconds > 0, "Portal:Upload:MaxDurationSeconds must be positive.")
            .Validate(o => o is { MaxWidth: > 0, MaxHeight: > 0, MaxFrameCount: > 0, MaxStreams: > 0 },
                "Portal:Upload:MaxWidth, MaxHeight, MaxFrameCount and MaxStreams must be positive.")
            .ValidateOnStart();
        builder.Services.AddOptions<InferenceOptions>().Bind(builder.Configuration.GetSection(InferenceOptions.SectionName));
        // One factory for the process: it decides CPU or CUDA once, and an admin page can show what it decided.
        builder.Services.AddSingleton(services => new OnnxSessionFactory(
            services.GetRequiredService<IOptions<InferenceOptions>>().Value,
            message => services.GetRequiredService<ILogger<OnnxSessionFactory>>().LogWarning("{Message}", message)));
        builder.Services.AddSingleton<VideoProber>();
        builder.Services.AddSingleton<ModelRegistry>();
        builder.Services.AddSingleton<RunStarter>();
        builder.Services.AddSingleton<ReviewedDataset>();
        builder.Services.AddSingleton<ModelVersions>();
        builder.Services.AddOptions<TrainingOptions>().Bind(builder.Configuration.GetSection(TrainingOptions.SectionName));
        builder.Services.AddTransient<TrainingJob>();
        builder.Services.AddTransient<PipelineStageServices>();
        builder.Services.AddTransient<ProbeVideoJob>();
        builder.Services.AddTransient<ProxyJob>();
        builder.Services.AddTransient<PosesJob>();
        builder.Services.AddTransient<ActionsJob>();
        builder.Services.AddTransient<KeyframesJob>();
        builder.Services.AddTransient<MediaCleanupJob>();
        builder.Services.AddSingleton<IVideoPipeline, HangfireVideoPipeline>();
        builder.Services.AddSingleton<QueueMonitor>();
        builder.Services.AddSingleton<PortalMetrics>();
        builder.Services.AddSingleton<StageTimings>();
        return builder;
    }

    /// <summary>A Hangfire server that runs jobs of the queues in <see cref="WorkerOptions.Queues"/>.</summary>
    public static IHostApplicationBuilder AddPortalWorker(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(WorkerOptions.SectionName).Get<WorkerOptions>() ?? new WorkerOptions();
        var queues = options.Queues.Length == 0 ? JobQueues.All : options.Queues;
        var unknown = queues.Except(JobQueues.Known).ToArray();
        if (unknown.Length > 0)
        {
            throw new InvalidOperationException(
                $"Portal:Worker:Queues must name some of: {string.Join(", ", JobQueues.Known)} (got: {string.Join(", ", queues)}).");
        }

        var identity = new WorkerIdentity(options);
        var workerCount = options.WorkerCount > 0 ? options.WorkerCount : Environment.ProcessorCount;
        // Each of the worker's jobs may be running a model at once: they share the cores rather than each taking all
        // (a poses stage's frames in flight are decided as it starts, by how many are running then).
        builder.Services.PostConfigure<InferenceOptions>(inference =>
            inference.FillJobShare(InferenceOptions.CoresPerJob(Environment.ProcessorCount, workerCount)));
        builder.Services.AddHangfireServer(server =>
        {
            // Distinct: a deployment may name a queue twice (docker/compose.yaml fills a slot from a variable).
            server.Queues = [.. queues.Distinct(StringComparer.Ordinal)];
            server.WorkerCount = workerCount;
            server.ServerName = identity.ServerName;
            server.ShutdownTimeout = TimeSpan.FromSeconds(15);
        });
        builder.Services.AddHostedService<InferenceProviderCheck>();
        builder.Services.AddSingleton(identity);
        builder.Services.AddHostedService<WorkerProviderPublisher>();
        // Longer than Hangfire's own shutdown timeout, so running jobs get their cancellation and can stop cleanly.
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(30));
        return builder;
    }

    private static void TryAddPortalClock(this IServiceCollection services)
    {
        if (services.All(d => d.ServiceType != typeof(TimeProvider)))
        {
            services.AddSingleton(TimeProvider.System);
        }
    }
}
