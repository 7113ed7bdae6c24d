using System.Diagnostics;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Portal.Web.Accounts;
using Portal.Web.Videos;

namespace Portal.Web.Hosting;

/// <summary>
/// Pays a fresh web host's one-time costs at startup instead of in its first users' requests: EF Core compiling each
/// query shape, the JIT compiling the page and query code, Blazor's first server render. Measured on the one-hour
/// video (docs/benchmarks.md, "A fresh web host's first pages"): the first library page took ~300 ms and the first
/// review page ~160 ms on a fresh host, ~30 ms each once warm. As the owner of the newest video (results thrown away;
/// with no video, an id that does not exist, which still compiles each method's first query) it runs what signing a
/// request in reads (the account, its roles and claims; a token lookup), then the library's and the review page's
/// reads, then requests the sign-in page from the host itself over HTTP (an anonymous page through the same endpoint,
/// layout and renderer as every page). Nothing is written and no credential is made. Readiness waits for it
/// (<see cref="WarmupHealthCheck"/>); a failure is logged and ends the warm-up, never the host.
/// </summary>
public sealed class StartupWarmup(
    IHostApplicationLifetime lifetime,
    IServer server,
    IDbContextFactory<PortalDbContext> dbFactory,
    IServiceScopeFactory scopes,
    ApiTokens tokens,
    VideoCatalog catalog,
    VideoCommands commands,
    TimelineQueries timelines,
    CorrectionCommands corrections,
    ReviewCommands reviews,
    ILogger<StartupWarmup> logger) : BackgroundService
{
    private readonly TaskCompletionSource<WarmupOutcome> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>What the warm-up did; completes once it has run, whether or not it succeeded.</summary>
    public Task<WarmupOutcome> Completion => _completion.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
        {
            await started.Task;
        }

        var watch = Stopwatch.StartNew();
        var (videoId, pageRequested) = ((Guid?)null, false);
        try
        {
            videoId = await ReadAsTheNewestVideosOwnerAsync(stoppingToken);
            pageRequested = await RequestSignInPageAsync(stoppingToken);
            logger.LogInformation("Startup warm-up done in {Milliseconds} ms", watch.ElapsedMilliseconds);
            _completion.TrySetResult(new WarmupOutcome(true, videoId, pageRequested, null));
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            logger.LogWarning(e, "Startup warm-up failed after {Milliseconds} ms; the first requests pay the one-time costs instead", watch.ElapsedMilliseconds);
            _completion.TrySetResult(new WarmupOutcome(false, videoId, pageRequested, e.Message));
        }
        finally
        {
            _completion.TrySetResult(new WarmupOutcome(false, videoId, pageRequested, "stopped"));
        }
    }

    /// <summary>The newest video's id, or null when there is none.</summary>
    private async Task<Guid?> ReadAsTheNewestVideosOwnerAsync(CancellationToken cancellationToken)
    {
        Guid videoId;
        string ownerId;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            var newest = await db.Videos.AsNoTracking().OrderByDescending(v => v.UploadedAt)
                .Select(v => new { v.Id, v.OwnerId }).FirstOrDefaultAsync(cancellationToken);
            (videoId, ownerId) = newest is null ? (Guid.NewGuid(), NoOwner) : (newest.Id, newest.OwnerId);
        }

        await using (var scope = scopes.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
            if (await users.FindByIdAsync(ownerId) is { } owner)
            {
                await scope.ServiceProvider.GetRequiredService<IUserClaimsPrincipalFactory<PortalUser>>().CreateAsync(owner);
            }
        }

        await tokens.FindUserIdAsync(ApiTokens.TokenPrefix + "startup-warmup", cancellationToken); // matches no token
        var caller = new WarmupCaller(ownerId);
        await commands.ActionModelsAsync(cancellationToken);
        await catalog.QueryAsync(caller, new VideoQuery(), cancellationToken);
        await catalog.LabelsAsync(caller, cancellationToken);
        await catalog.GetAsync(caller, videoId, cancellationToken);
        await timelines.GetTimelineAsync(caller, videoId, null, cancellationToken);
        await corrections.HistoryAsync(caller, videoId, cancellationToken);
        await reviews.ListAsync(caller, videoId, cancellationToken);
        return ownerId == NoOwner ? null : videoId;
    }

    /// <summary>Whether the sign-in page was requested (not when the host has no plain-HTTP address).</summary>
    private async Task<bool> RequestSignInPageAsync(CancellationToken cancellationToken)
    {
        if (LoopbackAddress(server.Features.Get<IServerAddressesFeature>()?.Addresses ?? []) is not { } address)
        {
            logger.LogInformation("Startup warm-up: no plain-HTTP address to request the sign-in page from; pages warm on their first request");
            return false;
        }

        using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        using var response = await client.GetAsync("/account/signin", cancellationToken);
        response.EnsureSuccessStatusCode();
        return true;
    }

    private const string NoOwner = "startup-warmup";

    /// <summary>
    /// The first plain-HTTP address the host listens on, as this machine reaches it (a wildcard host becomes
    /// 127.0.0.1); null when it listens on HTTPS only, where a self-signed certificate would refuse the request.
    /// </summary>
    public static Uri? LoopbackAddress(IEnumerable<string> addresses)
    {
        foreach (var address in addresses)
        {
            if (!address.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var wildcard = address.Replace("://+:", "://127.0.0.1:", StringComparison.Ordinal).Replace("://*:", "://127.0.0.1:", StringComparison.Ordinal)
                .Replace("://0.0.0.0:", "://127.0.0.1:", StringComparison.Ordinal).Replace("://[::]:", "://127.0.0.1:", StringComparison.Ordinal);
            if (Uri.TryCreate(wildcard, UriKind.Absolute, out var uri))
            {
                return uri;
            }
        }

        return null;
    }

    /// <summary>Reads as the owner of the video it warms with; never an admin, so it sees what that owner sees.</summary>
    private sealed record WarmupCaller(string OwnerId) : ICurrentUser
    {
        public bool IsAdmin => false;
    }
}

/// <summary>What the startup warm-up did: the video whose reads it ran (null: none existed), whether it requested a page.</summary>
public sealed record WarmupOutcome(bool Succeeded, Guid? VideoId, bool PageRequested, string? Error);

/// <summary>
/// Readiness: not ready until the startup warm-up has run (about a second), so the first users wait on nothing. A
/// failed warm-up is still ready (Degraded, with the reason): it only means slower first requests.
/// </summary>
internal sealed class WarmupHealthCheck(StartupWarmup warmup) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(!warmup.Completion.IsCompleted ? HealthCheckResult.Unhealthy("The startup warm-up is still running.")
            : warmup.Completion.Result.Succeeded ? HealthCheckResult.Healthy("Warmed up.")
            : HealthCheckResult.Degraded($"The startup warm-up failed: {warmup.Completion.Result.Error}"));
}
