using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Media;
using Portal.Jobs.Learning;
using Portal.Jobs.Pipeline;
using Portal.Web.Learning;

namespace Portal.IntegrationTests;

/// <summary>
/// Registered model versions: stored through the media store and the database, used by the real pipeline when a
/// video is reprocessed with the version's name, and made the default by an admin. The "trained" model here is the
/// shipped coco2d ONNX under a card whose labels are renamed, so a label only it can give shows where it ran.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class ModelRegistryTests(PortalApp app) : IClassFixture<PortalApp>
{
    [Fact]
    public async Task RegisteredVersion_ReprocessesAVideo_WithItsLabels_AndAnAdminCanMakeItTheDefault()
    {
        using var work = new TempDirectory("portal-registry");
        var first = await RegisterAsync(work, "taught: ");
        var second = await RegisterAsync(work, "second: ");
        Assert.Equal(("taught-coco2d", "1"), (first.Name, first.Version));
        Assert.Equal("2", second.Version);
        Assert.True(app.Services.GetRequiredService<IMediaStore>().Exists(first.OnnxKey));

        var uploaded = await app.UploadOkAsync(TestPaths.Video("tfjs_pose_1.mp4"));
        Assert.Equal(VideoStatus.Succeeded, (await app.WaitUntilFinishedAsync(uploaded.Id)).Status);
        var shipped = await app.GetJsonAsync<TimelineDto>($"/api/videos/{uploaded.Id}/timeline");
        Assert.Equal("actions-coco2d", shipped.Model.Name);

        var byVersion = await ReprocessAsync(uploaded.Id, "taught-coco2d@1");
        Assert.Equal(new ModelRef("taught-coco2d", "1"), byVersion.Model);
        var labels = byVersion.Tracks.SelectMany(t => t.Segments).Select(s => s.Label).Where(l => l != "uncertain").ToList();
        Assert.NotEmpty(labels);
        Assert.All(labels, l => Assert.StartsWith("taught: ", l, StringComparison.Ordinal));
        Assert.Equal(shipped.Tracks.SelectMany(t => t.Segments).Select(s => s.Label).Where(l => l != "uncertain").Select(l => "taught: " + l), labels);

        // The name alone is the newest version while no version is the default.
        Assert.Equal(new ModelRef("taught-coco2d", "2"), (await ReprocessAsync(uploaded.Id, "taught-coco2d")).Model);
        using var client = app.CreateClient();
        using var unknown = await client.PostAsJsonAsync(new Uri($"/api/videos/{uploaded.Id}/reprocess", UriKind.Relative), new { model = "taught-coco2d@9" });
        Assert.Equal(HttpStatusCode.Conflict, unknown.StatusCode);
        Assert.Contains("No action model 'taught-coco2d@9'", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Version 1 as the default: a reprocess without a model uses it; old versions stay.
        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            Assert.True(await ModelVersions.SetDefaultAsync(db, "taught-coco2d@1", CancellationToken.None));
            Assert.False(await ModelVersions.SetDefaultAsync(db, "nothing@1", CancellationToken.None));
        }

        Assert.Equal(new ModelRef("taught-coco2d", "1"), (await ReprocessAsync(uploaded.Id, null)).Model);
        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            Assert.Equal(2, await db.ModelVersions.CountAsync(m => m.Name == "taught-coco2d"));
            Assert.True(await ModelVersions.SetDefaultAsync(db, null, CancellationToken.None));
        }

        Assert.Equal("actions-coco2d", (await ReprocessAsync(uploaded.Id, null)).Model.Name);

        // `./portal models list` shows registered versions through this command (the web app's, with the database).
        var output = new StringWriter();
        var console = Console.Out;
        Console.SetOut(output);
        try
        {
            Assert.Equal(0, await Portal.Web.Learning.LearningCommandLine.RunAsync(["models", "registered"],
                new Dictionary<string, string?> { ["ConnectionStrings:Portal"] = app.ConnectionString }));
        }
        finally
        {
            Console.SetOut(console);
        }

        Assert.Contains("taught-coco2d@1", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("actions-coco2d@3.0.0  0.500", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void PoseEstimators_DivideTheCores_BetweenThePosesStagesHoldingThem_AndGoBackToThePool()
    {
        var registry = app.Services.GetRequiredService<ModelRegistry>();
        var cores = Environment.ProcessorCount;

        using (var alone = registry.RentPoseEstimators("movenet-multipose-int8"))
        {
            Assert.Equal(cores, alone.Estimators.Count);
            using var beside = registry.RentPoseEstimators("movenet-multipose-int8");
            Assert.Equal(Math.Max(1, cores / 2), beside.Estimators.Count);
            Assert.Empty(alone.Estimators.Intersect(beside.Estimators));
            using var sequential = registry.RentPoseEstimators("movenet-multipose-int8", oneAtATime: true);
            Assert.Single(sequential.Estimators);
        }

        // All given back: the next stage alone gets every core again, from the pool.
        using var again = registry.RentPoseEstimators("movenet-multipose-int8");
        Assert.Equal(cores, again.Estimators.Count);
    }

    [Fact]
    public async Task OnlyAnAdminMakesTheDefault_AndAVersionInUseOrTheDefaultIsKeptUntilFree()
    {
        using var work = new TempDirectory("portal-registry");
        var version = await RegisterAsync(work, "kept: ", "kept-coco2d");
        var named = $"{version.Name}@{version.Version}";
        var admin = await app.AddAccountAsync($"admin-{Guid.NewGuid():N}@portal.test", admin: true);
        var other = await app.AddAccountAsync($"other-{Guid.NewGuid():N}@portal.test");
        using var owner = app.CreateClient();
        using var asAdmin = app.CreateClient(admin);
        using var asOther = app.CreateClient(other);
        var path = new Uri($"/api/models/versions/{version.Id}", UriKind.Relative);
        var makeDefault = new Uri($"/api/models/versions/{version.Id}/default", UriKind.Relative);

        var listed = await asOther.GetFromJsonAsync<List<ModelVersionDto>>(new Uri("/api/models/versions", UriKind.Relative), PortalApp.Json);
        Assert.Contains(listed!, v => v.Id == version.Id);
        using (var byOwner = await owner.PostAsync(makeDefault, null))
        {
            Assert.Equal(HttpStatusCode.NotFound, byOwner.StatusCode);
        }

        using (var byAdmin = await asAdmin.PostAsync(makeDefault, null))
        {
            Assert.Equal(HttpStatusCode.NoContent, byAdmin.StatusCode);
        }

        // The default is kept; another owner cannot delete it at all (404, as for anything not theirs).
        using (var byOther = await asOther.DeleteAsync(path))
        {
            Assert.Equal(HttpStatusCode.NotFound, byOther.StatusCode);
        }

        using (var whileDefault = await owner.DeleteAsync(path))
        {
            Assert.Equal(HttpStatusCode.Conflict, whileDefault.StatusCode);
            Assert.Contains("is the default model", await whileDefault.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var unset = await asAdmin.DeleteAsync(new Uri("/api/models/versions/default", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NoContent, unset.StatusCode);
        }

        // A training queued from it (this app's worker serves no training queue, so it stays queued) keeps it.
        using var start = await owner.PostAsJsonAsync(new Uri("/api/trainings", UriKind.Relative), new TrainingRequest(named, "from-kept", 1, null));
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var training = (await start.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("id").GetGuid();
        using (var inUse = await owner.DeleteAsync(path))
        {
            Assert.Equal(HttpStatusCode.Conflict, inUse.StatusCode);
            Assert.Contains("1 unfinished training", await inUse.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var cancel = await owner.PostAsync(new Uri($"/api/trainings/{training}/cancel", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        }

        using (var deleted = await owner.DeleteAsync(path))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        Assert.False(app.Services.GetRequiredService<IMediaStore>().Exists(version.OnnxKey));
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        Assert.False(await db.ModelVersions.AnyAsync(m => m.Id == version.Id));
    }

    /// <summary>Registers the shipped coco2d model with every label prefixed, as the training job registers what it trained.</summary>
    private async Task<ModelVersion> RegisterAsync(TempDirectory work, string prefix, string name = "taught-coco2d")
    {
        var models = Path.Combine(TestPaths.RepoRoot, "models", "actions");
        var card = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(models, "actions-coco2d.card.json")))!.AsObject();
        card["labels"] = new JsonArray(card["labels"]!.AsArray().Select(l => (JsonNode)JsonValue.Create(prefix + l!.GetValue<string>())).ToArray());
        var cardPath = work.File($"{Guid.NewGuid():N}.card.json");
        await File.WriteAllTextAsync(cardPath, card.ToJsonString());
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var draft = new ModelVersionDraft(name, app.Owner.Id, "actions-coco2d", "3.0.0", new JsonObject { ["validationAccuracy"] = 0.5 }, [], [], 1.0);
        return await app.Services.GetRequiredService<ModelVersions>().RegisterAsync(db, draft, Path.Combine(models, "actions-coco2d.onnx"), cardPath, CancellationToken.None);
    }

    private async Task<TimelineDto> ReprocessAsync(Guid id, string? model)
    {
        using var client = app.CreateClient();
        using var response = await client.PostAsJsonAsync(new Uri($"/api/videos/{id}/reprocess", UriKind.Relative), new { model });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var video = await app.WaitUntilFinishedAsync(id);
        Assert.True(video.Status == VideoStatus.Succeeded, $"{video.Status} {video.Error}");
        return await app.GetJsonAsync<TimelineDto>($"/api/videos/{id}/timeline");
    }
}
