using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Portal.Data;
using Portal.Data.Entities;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;
using Portal.Web.Hosting;

namespace Portal.IntegrationTests;

/// <summary>
/// The startup warm-up (a fresh host's one-time costs paid before readiness) on the real host and database: it runs
/// to success, as the newest video's owner, and readiness waits for it. Whether it saves time is a benchmark
/// (docs/benchmarks.md, "A fresh web host's first pages"), not a test. The host here is TestServer, which has no
/// network address, so the sign-in page request is skipped; <c>LoopbackAddress</c> has unit tests.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class StartupWarmupTests(PortalApp app) : IClassFixture<PortalApp>
{
    [Fact]
    public async Task TheHostsWarmup_Succeeds_AndReadinessReportsIt()
    {
        var outcome = await app.Services.GetRequiredService<StartupWarmup>().Completion.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(outcome.Succeeded, outcome.Error);
        Assert.False(outcome.PageRequested);
        using var client = app.CreateClient((TestAccount?)null);
        using var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
        var checks = HealthTests.ReadChecks(await ready.Content.ReadAsStringAsync());
        Assert.Equal(("Healthy", "Warmed up."), checks["warmup"]);
    }

    [Fact]
    public async Task Warmup_ReadsAsTheOwnerOfTheNewestVideo()
    {
        var newest = Guid.NewGuid();
        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            var other = await app.AddAccountAsync("older-video@portal.test");
            db.Videos.Add(Video.Create(Guid.NewGuid(), other.Id, "older.mp4", "videos/older", 1, new string('0', 64), DateTimeOffset.UtcNow.AddDays(-1)));
            db.Videos.Add(Video.Create(newest, app.Owner.Id, "newest.mp4", "videos/newest", 1, new string('0', 64), DateTimeOffset.UtcNow.AddDays(1)));
            await db.SaveChangesAsync();
        }

        var warmup = ActivatorUtilities.CreateInstance<StartupWarmup>(app.Services, new AlreadyStarted(), new NoAddresses());
        await warmup.StartAsync(CancellationToken.None);
        var outcome = await warmup.Completion.WaitAsync(TimeSpan.FromSeconds(60));
        await warmup.StopAsync(CancellationToken.None);

        Assert.True(outcome.Succeeded, outcome.Error);
        Assert.Equal(newest, outcome.VideoId);
    }

    /// <summary>A lifetime whose ApplicationStarted has already fired (a canceled token runs a registration at once).</summary>
    private sealed class AlreadyStarted : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => new(canceled: true);
        public CancellationToken ApplicationStopping => CancellationToken.None;
        public CancellationToken ApplicationStopped => CancellationToken.None;
        public void StopApplication() { }
    }

    /// <summary>A server with no address, as TestServer is.</summary>
    private sealed class NoAddresses : IServer
    {
        public IFeatureCollection Features { get; } = new FeatureCollection();
        public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken) where TContext : notnull => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public void Dispose() { }
    }
}
