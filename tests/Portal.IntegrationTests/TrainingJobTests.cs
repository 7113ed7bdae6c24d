using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Web.Learning;

namespace Portal.IntegrationTests;

/// <summary>A worker that also serves the training queue, running the stand-in trainer of TrainerStub/ (no PyTorch).</summary>
public sealed class TrainingPortalApp : PortalApp
{
    protected override IEnumerable<(string Key, string Value)> Settings =>
    [
        ("Portal:Worker:Queues:0", "media"),
        ("Portal:Worker:Queues:1", "inference"),
        ("Portal:Worker:Queues:2", "default"),
        ("Portal:Worker:Queues:3", "training"),
        ("Portal:Training:TrainingRoot", Path.Combine(TestPaths.RepoRoot, "tests", "Portal.IntegrationTests", "TrainerStub")),
        ("Portal:Training:MinWindows", "1"),
    ];
}

/// <summary>
/// The training job through the API on a real worker and database: reviewed tracks in, a registered version with its
/// epochs and metrics out, a reprocess with it; cancel; another user's training sees none of the owner's data. The
/// trainer is a stand-in that speaks the contract (TrainerStub/portal_actions/finetune.py), not training/'s.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class TrainingJobTests(TrainingPortalApp app) : IClassFixture<TrainingPortalApp>
{
    [Fact]
    public async Task Training_OnReviewedTracks_RegistersAVersion_ThatReprocessesAClip_AndCancelStopsAnother()
    {
        var id = await ReviewedClipWithNewLabelAsync();
        using var client = app.CreateClient();

        var training = await StartAsync(client, new TrainingRequest("actions-coco2d", "mine", 3, null));
        var done = await WaitAsync(client, training, TimeSpan.FromSeconds(60));
        Assert.True(done.Status == "Succeeded", $"{done.Status}: {done.Error}");
        Assert.Equal("mine@1", done.ModelVersion);
        Assert.Equal([1, 2, 3], done.EpochLines.Select(e => e["epoch"]!.GetValue<int>()));
        Assert.True(done.Counts!["labels"]!["my new label"]!.GetValue<int>() > 0);

        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            var version = await db.ModelVersions.SingleAsync(m => m.Name == "mine");
            Assert.Equal(("actions-coco2d", app.Owner.Id), (version.BaseName, version.OwnerId));
            Assert.Contains("validationAccuracy", version.MetricsJson, StringComparison.Ordinal);
            Assert.Contains("my new label", version.LabelsJson, StringComparison.Ordinal);
            Assert.Contains(id.ToString(), version.TrainedOnJson, StringComparison.Ordinal);
        }

        // The job deletes its work folder just after committing Succeeded (so a failed commit keeps the checkpoint):
        // the test may see the row a moment before the folder goes.
        var workFolder = Path.Combine(app.Media.Path, "training", training.ToString("N"));
        var folderDeadline = DateTime.UtcNow.AddSeconds(10);
        while (Directory.Exists(workFolder) && DateTime.UtcNow < folderDeadline)
        {
            await Task.Delay(100);
        }

        Assert.False(Directory.Exists(workFolder), "the work folder is deleted once the version is registered");

        using var reprocess = await client.PostAsJsonAsync(new Uri($"/api/videos/{id}/reprocess", UriKind.Relative), new { model = "mine@1" });
        Assert.Equal(HttpStatusCode.Accepted, reprocess.StatusCode);
        Assert.Equal(VideoStatus.Succeeded, (await app.WaitUntilFinishedAsync(id)).Status);
        Assert.Equal(new ModelRef("mine", "1"), (await app.GetJsonAsync<TimelineDto>($"/api/videos/{id}/timeline")).Model);

        // Cancel: a long training stops within seconds of the request, and registers nothing.
        var longOne = await StartAsync(client, new TrainingRequest("mine@1", "mine", 200, null));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await GetAsync(client, longOne)).EpochLines.Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        var asked = Stopwatch.StartNew();
        using var cancel = await client.PostAsync(new Uri($"/api/trainings/{longOne}/cancel", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        var canceled = await WaitAsync(client, longOne, TimeSpan.FromSeconds(15));
        Assert.Equal("Canceled", canceled.Status);
        Assert.True(asked.Elapsed < TimeSpan.FromSeconds(10), $"cancel took {asked.Elapsed}");
        Assert.True(canceled.EpochLines.Count < 200);
        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            Assert.Equal(1, await db.ModelVersions.CountAsync(m => m.Name == "mine"));
        }
    }

    [Fact]
    public async Task AnotherUsersTraining_SeesNoneOfTheOwnersReviewedVideos_AndCannotReadTheOwnersTraining()
    {
        await ReviewedClipWithNewLabelAsync();
        var b = await app.AddAccountAsync($"b-{Guid.NewGuid():N}@portal.test");
        using var asA = app.CreateClient();
        using var asB = app.CreateClient(b);

        var bs = await StartAsync(asB, new TrainingRequest(null, "b-model", 2, null));
        var refused = await WaitAsync(asB, bs, TimeSpan.FromSeconds(60));
        Assert.Equal("Refused", refused.Status);
        Assert.Contains("no reviewed tracks", refused.Error, StringComparison.Ordinal);

        var owners = await StartAsync(asA, new TrainingRequest(null, "a-model", 1, null));
        using var bReadsA = await asB.GetAsync(new Uri($"/api/trainings/{owners}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, bReadsA.StatusCode);
        using var bCancelsA = await asB.PostAsync(new Uri($"/api/trainings/{owners}/cancel", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.NotFound, bCancelsA.StatusCode);
        using var bNamesA = await asB.PostAsJsonAsync(new Uri("/api/trainings", UriKind.Relative), new TrainingRequest(null, "x", 1, app.Owner.Email));
        Assert.Equal(HttpStatusCode.NotFound, bNamesA.StatusCode);
        Assert.DoesNotContain(await asB.GetFromJsonAsync<List<TrainingDto>>(new Uri("/api/trainings", UriKind.Relative), PortalApp.Json) ?? [], t => t.Id == owners);
        Assert.Equal("Succeeded", (await WaitAsync(asA, owners, TimeSpan.FromSeconds(60))).Status);

        // `./portal models train --from-reviews --owner A` (this command): queued, followed, the version's name last.
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Portal"] = app.ConnectionString,
            ["Portal:Media:Root"] = app.Media.Path,
            ["Portal:Pipeline:ModelsRoot"] = Path.Combine(TestPaths.RepoRoot, "models"),
        };
        var output = new StringWriter();
        var console = Console.Out;
        Console.SetOut(output);
        int exit;
        try
        {
            exit = await LearningCommandLine.RunAsync(["models", "train", "--from-reviews", "--owner", app.Owner.Email, "--name", "cli-model", "--epochs", "2"], settings);
        }
        finally
        {
            Console.SetOut(console);
        }

        Assert.True(exit == 0, output.ToString());
        Assert.Equal("cli-model@1", output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1]);

        using var bad = await asA.PostAsJsonAsync(new Uri("/api/trainings", UriKind.Relative), new TrainingRequest("no-such-model", null, 1, null));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("No action model 'no-such-model'", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>A processed clip whose first segment on every track is relabelled with a new label, the whole video marked reviewed.</summary>
    private async Task<Guid> ReviewedClipWithNewLabelAsync()
    {
        var uploaded = await app.UploadOkAsync(TestPaths.Video("tfjs_pose_1.mp4"));
        Assert.Equal(VideoStatus.Succeeded, (await app.WaitUntilFinishedAsync(uploaded.Id)).Status);
        var timeline = await app.GetJsonAsync<TimelineDto>($"/api/videos/{uploaded.Id}/timeline");
        using var client = app.CreateClient();
        foreach (var track in timeline.Tracks.Where(t => t.Segments.Count > 0))
        {
            using var relabel = await client.PostAsJsonAsync(new Uri($"/api/videos/{uploaded.Id}/corrections", UriKind.Relative),
                new CorrectionRequest("relabel", track.TrackId, 0, Label: "my new label"));
            Assert.Equal(HttpStatusCode.OK, relabel.StatusCode);
        }

        using var mark = await client.PostAsJsonAsync(new Uri($"/api/videos/{uploaded.Id}/reviews", UriKind.Relative), new { });
        Assert.Equal(HttpStatusCode.OK, mark.StatusCode);
        return uploaded.Id;
    }

    private static async Task<Guid> StartAsync(HttpClient client, TrainingRequest request)
    {
        using var response = await client.PostAsJsonAsync(new Uri("/api/trainings", UriKind.Relative), request);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    private static async Task<TrainingDto> GetAsync(HttpClient client, Guid id) =>
        (await client.GetFromJsonAsync<TrainingDto>(new Uri($"/api/trainings/{id}", UriKind.Relative), PortalApp.Json))!;

    private static async Task<TrainingDto> WaitAsync(HttpClient client, Guid id, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var training = await GetAsync(client, id);
            if (training.Status is "Succeeded" or "Refused" or "Failed" or "Canceled")
            {
                return training;
            }

            Assert.True(DateTime.UtcNow < deadline, $"training {id} still {training.Status} after {timeout}");
            await Task.Delay(200);
        }
    }
}
