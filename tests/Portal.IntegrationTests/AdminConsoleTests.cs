using Portal.Jobs;
using Portal.Jobs.Monitoring;

namespace Portal.IntegrationTests;

/// <summary>The admin console and Hangfire's dashboard on the real host: what an admin sees, and that nobody else does.</summary>
[Collection(IntegrationCollection.Name)]
public sealed class AdminConsoleTests(PortalApp app) : IClassFixture<PortalApp>, IDisposable
{
    private readonly TempDirectory _temp = new("portal-admin");

    [Fact]
    public async Task NonAdmin_Gets404_OnTheConsoleAndTheDashboard_AnAdminGetsBoth()
    {
        var user = await app.AddAccountAsync($"user-{Guid.NewGuid():N}@portal.test");
        var admin = await app.AddAccountAsync($"admin-{Guid.NewGuid():N}@portal.test", admin: true);
        using var asUser = app.CreateClient(user);
        using var asAdmin = app.CreateClient(admin);

        foreach (var path in new[] { "/admin", "/admin/jobs", "/admin/jobs/servers" })
        {
            using var refused = await asUser.GetAsync(new Uri(path, UriKind.Relative));
            Assert.True(refused.StatusCode == HttpStatusCode.NotFound, $"{path}: {refused.StatusCode}");
        }

        using var dashboard = await asAdmin.GetAsync(new Uri("/admin/jobs/servers", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        var dashboardHtml = await dashboard.Content.ReadAsStringAsync();
        Assert.Contains("Portal jobs", dashboardHtml, StringComparison.Ordinal);
        Assert.DoesNotContain("Password", dashboardHtml, StringComparison.OrdinalIgnoreCase);

        // The prerendered console carries the same snapshot the live one refreshes.
        var console = await asAdmin.GetStringAsync(new Uri("/admin", UriKind.Relative));
        foreach (var queue in JobQueues.All)
        {
            Assert.Contains($"data-queue=\"{queue}\"", console, StringComparison.Ordinal);
        }

        Assert.Contains("data-testid=\"worker-row\"", console, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Overview_ShowsTheWorkerWithItsProvider_ARunningVideoWithQueueAndWorker_AndAFailedVideoWithReasonAndStage()
    {
        var monitor = app.Services.GetRequiredService<QueueMonitor>();

        // The worker publishes its execution provider once it has decided it, shortly after start.
        var worker = await PollAsync(monitor, o => o.Workers.FirstOrDefault(w => w.Provider.StartsWith("CPU", StringComparison.Ordinal) || w.Provider.StartsWith("CUDA", StringComparison.Ordinal)));
        Assert.False(worker.Stale);
        Assert.Equal(2, worker.WorkerCount);
        Assert.Equal(Environment.MachineName, worker.Machine);
        Assert.Equal(JobQueues.All.Order(), worker.Queues.Order());

        var random = Path.Combine(_temp.Path, "random.mp4");
        var bytes = new byte[64 * 1024];
        new Random(12).NextBytes(bytes);
        await File.WriteAllBytesAsync(random, bytes);
        var broken = await app.UploadOkAsync(random);
        var clip = await app.UploadOkAsync(TestPaths.Video("basketball_two_people.mp4"));

        var running = await PollAsync(monitor, o => o.Running.FirstOrDefault(j => j.VideoId == clip.Id), TimeSpan.FromMinutes(3), TimeSpan.FromMilliseconds(100));
        Assert.Contains(running.Queue, JobQueues.All);
        Assert.Equal(Portal.Jobs.Pipeline.PipelineStages.All.Single(s => s.Name == running.Stage).Queue, running.Queue);
        Assert.Equal(worker.ServerId, running.ServerId);
        Assert.False(running.Stuck);

        Assert.Equal(VideoStatus.Failed, (await app.WaitUntilFinishedAsync(broken.Id)).Status);
        var overview = await monitor.ReadAsync(CancellationToken.None);
        var failed = Assert.Single(overview.FailedVideos, v => v.Id == broken.Id);
        Assert.Equal("probe", failed.Stage);
        Assert.Contains("not a video Portal can read", failed.Reason, StringComparison.Ordinal);
        Assert.True(overview.Media.VideoBytes >= bytes.Length);

        var done = await app.WaitUntilFinishedAsync(clip.Id);
        Assert.True(done.Status == VideoStatus.Succeeded, $"{done.Status} {done.Error}");
        overview = await monitor.ReadAsync(CancellationToken.None);
        var media = overview.Queues.Single(q => q.Name == JobQueues.Media);
        Assert.True(media.SucceededLastHour >= 3, $"media succeeded in the last hour: {media.SucceededLastHour}");
        Assert.Equal(media.SucceededLastHour, media.Hours[^1].Succeeded);
        Assert.True(overview.Queues.Single(q => q.Name == JobQueues.Inference).SucceededLastDay >= 2);
        Assert.True(overview.Throughput.VideosLastHour >= 1);
        Assert.Contains(overview.Models.InUse, m => m.Runs >= 1);
    }

    private static async Task<T> PollAsync<T>(QueueMonitor monitor, Func<AdminOverview, T?> find, TimeSpan? timeout = null, TimeSpan? interval = null)
        where T : class
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var overview = await monitor.ReadAsync(CancellationToken.None);
            if (find(overview) is { } found)
            {
                return found;
            }

            Assert.True(clock.Elapsed < (timeout ?? TimeSpan.FromSeconds(60)),
                $"The overview never showed what the test waits for. Workers: {string.Join("; ", overview.Workers)}. Running: {string.Join("; ", overview.Running)}");
            await Task.Delay(interval ?? TimeSpan.FromMilliseconds(500));
        }
    }

    public void Dispose() => _temp.Dispose();
}
