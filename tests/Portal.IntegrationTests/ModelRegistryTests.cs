using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Media;
using Portal.Jobs.Learning;

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

    /// <summary>Registers the shipped coco2d model with every label prefixed, as the training job registers what it trained.</summary>
    private async Task<ModelVersion> RegisterAsync(TempDirectory work, string prefix)
    {
        var models = Path.Combine(TestPaths.RepoRoot, "models", "actions");
        var card = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(models, "actions-coco2d.card.json")))!.AsObject();
        card["labels"] = new JsonArray(card["labels"]!.AsArray().Select(l => (JsonNode)JsonValue.Create(prefix + l!.GetValue<string>())).ToArray());
        var cardPath = work.File($"{Guid.NewGuid():N}.card.json");
        await File.WriteAllTextAsync(cardPath, card.ToJsonString());
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var draft = new ModelVersionDraft("taught-coco2d", app.Owner.Id, "actions-coco2d", "3.0.0", new JsonObject { ["validationAccuracy"] = 0.5 }, [], [], 1.0);
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
