using Hangfire;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Portal.Web.Hosting;

/// <summary>Healthy when Hangfire's storage (its PostgreSQL schema) answers a query.</summary>
internal sealed class HangfireStorageHealthCheck(JobStorage storage) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var statistics = storage.GetMonitoringApi().GetStatistics();
            return Task.FromResult(HealthCheckResult.Healthy($"{statistics.Servers} worker server(s), {statistics.Enqueued} job(s) enqueued"));
        }
        catch (Exception e)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("Hangfire storage does not answer.", e));
        }
    }
}
