using Microsoft.Extensions.Hosting;
using Portal.Data;
using Portal.Jobs.Hosting;
using Portal.Jobs.Monitoring;

namespace Portal.Jobs;

/// <summary>
/// The stand-alone worker (`./portal worker`): a Hangfire server and nothing else. It joins whatever database and
/// media root its configuration names; the web host owns the schema, so the worker never migrates.
/// </summary>
public static class WorkerProgram
{
    public static async Task Main(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.AddPortalData();
        builder.AddPortalJobs();
        builder.AddPortalWorker();
        builder.AddWorkerMetrics();
        await builder.Build().RunAsync();
    }
}
