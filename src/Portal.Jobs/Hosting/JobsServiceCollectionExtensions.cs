using Hangfire;
using Hangfire.PostgreSql;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Portal.Data;
using Portal.Jobs.Media;
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
                }));
        builder.Services.TryAddPortalClock();
        builder.Services.AddSingleton<VideoProber>();
        builder.Services.AddTransient<ProbeVideoJob>();
        builder.Services.AddSingleton<IVideoPipeline, HangfireVideoPipeline>();
        return builder;
    }

    /// <summary>A Hangfire server that runs jobs of the queues in <see cref="WorkerOptions.Queues"/>.</summary>
    public static IHostApplicationBuilder AddPortalWorker(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(WorkerOptions.SectionName).Get<WorkerOptions>() ?? new WorkerOptions();
        var unknown = options.Queues.Except(JobQueues.All).ToArray();
        if (options.Queues.Length == 0 || unknown.Length > 0)
        {
            throw new InvalidOperationException(
                $"Portal:Worker:Queues must name some of: {string.Join(", ", JobQueues.All)} (got: {string.Join(", ", options.Queues)}).");
        }

        builder.Services.AddHangfireServer(server =>
        {
            server.Queues = options.Queues;
            server.WorkerCount = options.WorkerCount > 0 ? options.WorkerCount : Environment.ProcessorCount;
            server.ServerName = options.Name ?? $"{Environment.MachineName}:{Environment.ProcessId}";
            server.ShutdownTimeout = TimeSpan.FromSeconds(15);
        });
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
