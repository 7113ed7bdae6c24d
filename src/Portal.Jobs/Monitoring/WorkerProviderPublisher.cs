using Hangfire.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Portal.Inference.Onnx;
using Portal.Jobs.Hosting;

namespace Portal.Jobs.Monitoring;

/// <summary>
/// Publishes what Hangfire's server list cannot say about a worker (its execution provider and machine) in a small
/// hash of Hangfire's own storage, keyed by the worker's server name, so the admin console can show it next to the
/// server's heartbeat. The hash expires on its own when the worker is gone; it is refreshed well before that.
/// </summary>
public sealed class WorkerProviderPublisher(
    JobStorage storage, OnnxSessionFactory sessions, WorkerIdentity identity, ILogger<WorkerProviderPublisher> logger) : BackgroundService
{
    internal const string KeyPrefix = "portal:worker:";
    internal static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan Refresh = TimeSpan.FromMinutes(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Deciding the provider may load CUDA libraries: off the host's start-up path.
        var provider = await Task.Run(() => sessions.EffectiveProvider, stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                Publish(provider);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Could not publish the worker's execution provider");
            }

            await Task.Delay(Refresh, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private void Publish(string provider)
    {
        var key = KeyPrefix + identity.ServerKey;
        using var connection = storage.GetConnection();
        using var transaction = (JobStorageTransaction)connection.CreateWriteTransaction();
        transaction.SetRangeInHash(key, [new("provider", provider), new("machine", Environment.MachineName)]);
        transaction.ExpireHash(key, Lifetime);
        transaction.Commit();
    }
}

/// <summary>The name this process's Hangfire server runs under, and the part of its server id that names it.</summary>
public sealed class WorkerIdentity(WorkerOptions options)
{
    public string ServerName { get; } = options.Name ?? $"{Environment.MachineName}:{Environment.ProcessId}";

    /// <summary>What <see cref="KeyOf"/> gives for this process's server: Hangfire makes the id <c>name:pid:GUID</c>, name lower-cased.</summary>
    public string ServerKey => $"{ServerName.ToLowerInvariant()}:{Environment.ProcessId}";

    /// <summary>A Hangfire server id without its GUID, which changes at every start of the server.</summary>
    public static string KeyOf(string serverId)
    {
        var colon = serverId.LastIndexOf(':');
        return colon > 0 && Guid.TryParse(serverId[(colon + 1)..], out _) ? serverId[..colon] : serverId;
    }
}
