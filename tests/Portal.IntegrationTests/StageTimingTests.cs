using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Portal.Jobs.Monitoring;
using Portal.Jobs.Pipeline;

namespace Portal.IntegrationTests;

/// <summary>
/// Stored stage timings of a clip processed by the real worker: the video's "where time goes" view (API and page), the
/// console's per-stage figures, one row per stage whatever runs again, and 404 for another user.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class StageTimingTests(PortalApp app, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<PortalApp>
{
    [Fact]
    public async Task AProcessedClip_HasEveryStageTimed_OnItsTimingsView_AndOnTheConsole()
    {
        var uploaded = await app.UploadOkAsync(TestPaths.Video("tfjs_pose_1.mp4"));
        var video = await app.WaitUntilFinishedAsync(uploaded.Id);
        Assert.True(video.Status == VideoStatus.Succeeded, $"{video.Status} {video.Error}");

        var timings = await app.GetJsonAsync<VideoTimings>($"/api/videos/{uploaded.Id}/timings");

        Assert.Equal(PipelineStages.All.Select(s => s.Name), timings.Stages.Select(s => s.Stage));
        foreach (var stage in timings.Stages)
        {
            output.WriteLine($"{stage.Stage}: waited {stage.QueueWait.TotalSeconds:0.000} s, ran {stage.Duration.TotalSeconds:0.000} s, frames {stage.Frames}, on {stage.Server}");
            Assert.True(stage.Duration > TimeSpan.Zero, $"{stage.Stage} took {stage.Duration}");
            Assert.True(stage.QueueWait >= TimeSpan.Zero, $"{stage.Stage} waited {stage.QueueWait}");
            Assert.False(string.IsNullOrEmpty(stage.Server), $"{stage.Stage} names no worker");
            Assert.Equal(Environment.MachineName, stage.Machine);
            Assert.Equal(stage.Stage == PipelineStages.Poses, stage.Frames is > 0);
        }

        // In order on one time line: a stage starts after the one before it finished.
        Assert.All(timings.Stages.Zip(timings.Stages.Skip(1)), pair => Assert.True(pair.Second.StartedAt >= pair.First.FinishedAt, $"{pair.Second.Stage} before {pair.First.Stage} ended"));

        using var owner = app.CreateClient();
        var page = await owner.GetStringAsync(new Uri($"/videos/{uploaded.Id}/timings", UriKind.Relative));
        foreach (var stage in PipelineStages.All)
        {
            Assert.Contains($"data-stage=\"{stage.Name}\"", page, StringComparison.Ordinal);
        }

        Assert.Contains(timings.Stages.Single(s => s.Stage == PipelineStages.Poses).Server!, page, StringComparison.Ordinal);
        Assert.Contains($"/videos/{uploaded.Id}/timings", await owner.GetStringAsync(new Uri($"/videos/{uploaded.Id}", UriKind.Relative)), StringComparison.Ordinal);

        // The console: each stage done at least once in the last day with a mean duration, the pose stage with frames/s.
        var admin = await app.AddAccountAsync($"admin-{Guid.NewGuid():N}@portal.test", admin: true);
        using var asAdmin = app.CreateClient(admin);
        var console = await asAdmin.GetStringAsync(new Uri("/admin", UriKind.Relative));
        foreach (var stage in PipelineStages.All)
        {
            var row = Regex.Match(console, $"""<tr data-testid="stage-row" data-stage="{stage.Name}"[^>]*>""");
            Assert.True(row.Success, $"no row for {stage.Name} in the console's stage table:\n{console}");
            Assert.True(Number(row.Value, "data-day-done") >= 1, row.Value);
            Assert.True(Number(row.Value, "data-day-mean-seconds") > 0, row.Value);
            Assert.True(stage.Name == PipelineStages.Poses ? Number(row.Value, "data-day-fps") > 0 : Number(row.Value, "data-day-fps") is null, row.Value);
        }

        // Another user: the same 404 as for a video that does not exist.
        var b = await app.AddAccountAsync($"b-{Guid.NewGuid():N}@portal.test");
        using var asB = app.CreateClient(b);
        Assert.Equal(HttpStatusCode.NotFound, (await asB.GetAsync(new Uri($"/api/videos/{uploaded.Id}/timings", UriKind.Relative))).StatusCode);
        using var bPage = await asB.GetAsync(new Uri($"/videos/{uploaded.Id}/timings", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, bPage.StatusCode);
        Assert.DoesNotContain("tfjs_pose_1", await bPage.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStageThatRunsAgain_OrFinishesTwice_IsStoredOnce()
    {
        var uploaded = await app.UploadOkAsync(TestPaths.Video("tfjs_pose_1.mp4"));
        var video = await app.WaitUntilFinishedAsync(uploaded.Id);
        Assert.True(video.Status == VideoStatus.Succeeded, $"{video.Status} {video.Error}");
        var runId = await RunOfAsync(uploaded.Id);

        // A job that runs again after its stage committed (as after a crash between the commit and Hangfire's
        // bookkeeping) skips the stage; and should two attempts both finish, the second row is refused.
        using (var scope = app.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<PosesJob>().RunAsync(runId, null, CancellationToken.None);
        }

        var timings = app.Services.GetRequiredService<StageTimings>();
        await timings.RecordAsync(PipelineStages.Named(PipelineStages.Poses), uploaded.Id, runId, timings.Now.AddSeconds(-1), 5, null);

        await using var db = await app.Services.GetRequiredService<IDbContextFactory<Portal.Data.PortalDbContext>>().CreateDbContextAsync();
        var rows = await db.StageTimings.Where(t => t.VideoId == uploaded.Id).ToListAsync();
        Assert.Equal(PipelineStages.All.Select(s => s.Name).Order(), rows.Select(r => r.Stage).Order());
        Assert.All(rows, r => Assert.Equal(runId, r.RunId));
        Assert.NotEqual(5, rows.Single(r => r.Stage == PipelineStages.Poses).Frames);
    }

    private async Task<Guid> RunOfAsync(Guid videoId)
    {
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<Portal.Data.PortalDbContext>>().CreateDbContextAsync();
        return await db.Runs.Where(r => r.VideoId == videoId).Select(r => r.Id).SingleAsync();
    }

    /// <summary>The number in attribute <paramref name="name"/> of an HTML tag; null when it is absent or empty.</summary>
    private static double? Number(string tag, string name) =>
        Regex.Match(tag, $"{name}=\"([^\"]+)\"") is { Success: true } m ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;
}
