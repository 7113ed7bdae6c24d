using System.Text.Json.Serialization;
using Hangfire;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;
using Portal.Jobs.Hosting;
using Portal.Jobs.Monitoring;
using Portal.Web.Accounts;
using Portal.Web.Admin;
using Portal.Web.Api;
using Portal.Web.Components;
using Portal.Web.Learning;
using Portal.Web.Uploads;
using Portal.Web.Videos;

namespace Portal.Web.Hosting;

public static class WebServiceCollectionExtensions
{
    public static WebApplicationBuilder AddPortalWeb(this WebApplicationBuilder builder)
    {
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.AddPortalAccounts();
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        builder.Services.AddOptions<UploadOptions>()
            .Bind(builder.Configuration.GetSection(UploadOptions.SectionName))
            .Validate(o => o.MaxBytes > 0, "Portal:Upload:MaxBytes must be positive.")
            .Validate(o => o.ResumableExpiry > TimeSpan.Zero && o.ExpirySweepInterval > TimeSpan.Zero,
                "Portal:Upload:ResumableExpiry and Portal:Upload:ExpirySweepInterval must be positive (e.g. 1.00:00:00 and 00:15:00).")
            .ValidateOnStart();
        builder.Services.AddSingleton<VideoCatalog>();
        builder.Services.AddSingleton<VideoIntake>();
        builder.Services.AddPortalResumableUploads();
        builder.Services.AddSingleton<TimelineQueries>();
        builder.Services.AddSingleton<VideoCommands>();
        builder.Services.AddSingleton<CorrectionCommands>();
        builder.Services.AddSingleton<ReviewCommands>();
        builder.Services.AddSingleton<ReviewedDatasetAccess>();
        builder.Services.AddSingleton<TrainingCommands>();
        builder.Services.AddSingleton<TrainingPreviews>();
        builder.Services.AddSingleton<RegistryCommands>();
        builder.Services.AddOpenApi();
        builder.Services.AddHealthChecks()
            .AddDbContextCheck<PortalDbContext>("postgresql", tags: [PortalHealth.ReadyTag])
            .AddCheck<HangfireStorageHealthCheck>("hangfire", tags: [PortalHealth.ReadyTag])
            .AddCheck<ModelsHealthCheck>("models", tags: [PortalHealth.ReadyTag])
            .AddCheck<FfmpegHealthCheck>("ffmpeg", tags: [PortalHealth.ReadyTag])
            .AddCheck<WarmupHealthCheck>("warmup", tags: [PortalHealth.ReadyTag]);
        builder.Services.AddSingleton<StartupWarmup>();
        builder.Services.AddHostedService(services => services.GetRequiredService<StartupWarmup>());

        // /metrics for Prometheus (docs/deploy.md "Monitoring"): requests, the runtime, the portal's own meter. The
        // stage metrics are those of this process's in-process worker; stand-alone workers serve their own.
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddPortalInstruments()
            .AddAspNetCoreInstrumentation()
            .AddPrometheusExporter());

        var worker = builder.Configuration.GetSection(WorkerOptions.SectionName).Get<WorkerOptions>() ?? new WorkerOptions();
        if (worker.InProcess)
        {
            builder.AddPortalWorker();
        }

        return builder;
    }

    public static WebApplication UsePortalWeb(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/Error", createScopeForErrors: true);
        }

        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        // Every endpoint requires a signed-in account (the fallback policy) except those marked anonymous here.
        app.UseAuthentication();
        app.UsePortalRateLimits();
        // Cookie-authenticated /api writes must come from the portal's own pages (a CSRF defence; tokens are exempt).
        app.UseSameOriginCookieWrites();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.MapStaticAssets().AllowAnonymous();
        // Liveness runs no check: the process answers, so it need not be restarted. Readiness checks what serving
        // and processing need; a load balancer or orchestrator keeps traffic away while it answers 503.
        app.MapHealthChecks("/health", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(PortalHealth.ReadyTag),
            ResponseWriter = PortalHealth.WriteAsync,
        }).AllowAnonymous();
        // Admins only: a scraper sends an admin's API token (Authorization: Bearer), as any API client does.
        app.MapPrometheusScrapingEndpoint("/metrics").RequireAuthorization(PortalRoles.Admin);
        // The web app alone reports queue depths: every process would report the same storage's numbers.
        app.Services.GetRequiredService<PortalMetrics>().ObserveQueueDepths(app.Services.GetRequiredService<QueueMonitor>());
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.MapAccountEndpoints();
        app.MapVideoApi();
        app.MapTusUploads();
        app.MapTimelineApi();
        app.MapDatasetApi();
        app.MapTrainingApi();
        app.MapHangfireDashboard("/admin/jobs", new DashboardOptions
        {
            Authorization = [new AdminDashboardAuthorization()],
            DashboardTitle = "Portal jobs",
            DisplayStorageConnectionString = false,
        }).RequireAuthorization(PortalRoles.Admin);
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
