using System.IO.Compression;
using Portal.Web.Learning;

namespace Portal.IntegrationTests;

/// <summary>
/// Review marks and the reviewed training set (docs/formats.md), on a clip the real pipeline processed: what a
/// reviewer marks (and only that, and only the caller's) is exported with its corrected or confirmed segments.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class ReviewedDatasetTests(PortalApp app) : IClassFixture<PortalApp>
{
    [Fact]
    public async Task MarkedTrack_IsExported_WithItsCorrectedAndConfirmedSegments_AndUnmarkingRemovesIt()
    {
        var id = await ProcessedClipAsync();
        var timeline = await app.GetJsonAsync<TimelineDto>($"/api/videos/{id}/timeline");
        var track = timeline.Tracks.First(t => t.Segments.Count > 0);
        using var client = app.CreateClient();

        // Nothing reviewed yet: an empty set, still in the documented shape.
        var empty = await ExportAsync(client, "");
        Assert.Equal("portal-reviewed-1", empty.Labels.GetProperty("format").GetString());
        Assert.DoesNotContain(Tracks(empty), t => t.GetProperty("videoId").GetGuid() == id);

        using var relabel = await client.PostAsJsonAsync(new Uri($"/api/videos/{id}/corrections", UriKind.Relative),
            new CorrectionRequest("relabel", track.TrackId, 0, Label: "my new label"));
        Assert.Equal(HttpStatusCode.OK, relabel.StatusCode);
        using var mark = await client.PostAsJsonAsync(new Uri($"/api/videos/{id}/reviews", UriKind.Relative), new { track = track.TrackId });
        Assert.Equal(HttpStatusCode.OK, mark.StatusCode);
        var marks = await mark.Content.ReadFromJsonAsync<List<ReviewMarkDto>>(PortalApp.Json);
        Assert.Equal(track.TrackId, Assert.Single(marks!).TrackId);
        Assert.Equal(app.Owner.Id, marks![0].ReviewerId);
        using var noSuchTrack = await client.PostAsJsonAsync(new Uri($"/api/videos/{id}/reviews", UriKind.Relative), new { track = 999 });
        Assert.Equal(HttpStatusCode.NotFound, noSuchTrack.StatusCode);

        var export = await ExportAsync(client, "");
        var exported = Assert.Single(Tracks(export), t => t.GetProperty("videoId").GetGuid() == id);
        Assert.Equal(track.TrackId, exported.GetProperty("trackNumber").GetInt32());
        Assert.Equal(app.Owner.Id, exported.GetProperty("owner").GetString());
        var segments = exported.GetProperty("segments").EnumerateArray().ToList();
        var corrected = (await app.GetJsonAsync<TimelineDto>($"/api/videos/{id}/timeline")).Tracks.Single(t => t.TrackId == track.TrackId);
        Assert.Equal(corrected.Segments.Count(s => s.Label != "uncertain"), segments.Count);
        Assert.Equal("my new label", segments[0].GetProperty("label").GetString());
        Assert.Equal("corrected", segments[0].GetProperty("source").GetString());
        Assert.Equal(track.Segments[0].StartSeconds, segments[0].GetProperty("start").GetDouble());
        Assert.All(segments.Skip(1), s => Assert.Equal("confirmed", s.GetProperty("source").GetString()));
        Assert.All(segments, s => Assert.Equal(app.Owner.Id, s.GetProperty("reviewedBy").GetString()));
        var labels = export.Labels.GetProperty("labels").EnumerateArray().Select(l => l.GetString()!).ToList();
        Assert.Contains("my new label", labels);
        Assert.Equal(labels.Order(StringComparer.Ordinal), labels);
        Assert.DoesNotContain("uncertain", labels);

        // The track's skeleton JSON: only that person, from its first frame to its last, 17 keypoints each.
        using var skeleton = JsonDocument.Parse(export.Files[exported.GetProperty("file").GetString()!]);
        var frames = skeleton.RootElement.GetProperty("frames").EnumerateArray().ToList();
        Assert.Equal("coco17", skeleton.RootElement.GetProperty("layout").GetString());
        Assert.Equal(track.FrameCount, frames.Count(f => f.GetProperty("persons").GetArrayLength() == 1));
        Assert.All(frames.SelectMany(f => f.GetProperty("persons").EnumerateArray()), p =>
        {
            Assert.Equal(track.TrackId, p.GetProperty("trackId").GetInt32());
            Assert.Equal(17, p.GetProperty("keypoints").GetArrayLength());
        });

        using var unmark = await client.DeleteAsync(new Uri($"/api/videos/{id}/reviews?track={track.TrackId}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NoContent, unmark.StatusCode);
        Assert.DoesNotContain(Tracks(await ExportAsync(client, "")), t => t.GetProperty("videoId").GetGuid() == id);
    }

    [Fact]
    public async Task WholeVideoMark_ExportsEveryTrack_OnlyToItsOwnerAndAdmins_AndTheCommandLineWritesTheSame()
    {
        var id = await ProcessedClipAsync();
        var timeline = await app.GetJsonAsync<TimelineDto>($"/api/videos/{id}/timeline");
        var b = await app.AddAccountAsync($"b-{Guid.NewGuid():N}@portal.test");
        var admin = await app.AddAccountAsync($"admin-{Guid.NewGuid():N}@portal.test", admin: true);
        using var asA = app.CreateClient();
        using var asB = app.CreateClient(b);
        using var asAdmin = app.CreateClient(admin);

        using var mark = await asA.PostAsJsonAsync(new Uri($"/api/videos/{id}/reviews", UriKind.Relative), new { });
        Assert.Equal(HttpStatusCode.OK, mark.StatusCode);
        var withSegments = timeline.Tracks.Where(t => t.Segments.Any(s => s.Label != "uncertain")).Select(t => t.TrackId).Order().ToList();
        Assert.NotEmpty(withSegments);

        var mine = await ExportAsync(asA, "");
        Assert.Equal(withSegments, Tracks(mine).Where(t => t.GetProperty("videoId").GetGuid() == id).Select(t => t.GetProperty("trackNumber").GetInt32()).Order());

        // B sees none of A's tracks, and cannot name A as the owner; an admin can.
        Assert.DoesNotContain(Tracks(await ExportAsync(asB, "")), t => t.GetProperty("videoId").GetGuid() == id);
        using var bAsksForA = await asB.GetAsync(new Uri($"/api/datasets/reviewed?owner={Uri.EscapeDataString(app.Owner.Email)}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, bAsksForA.StatusCode);
        var forAdmin = await ExportAsync(asAdmin, $"?owner={Uri.EscapeDataString(app.Owner.Email)}");
        Assert.Equal(withSegments.Count, Tracks(forAdmin).Count(t => t.GetProperty("videoId").GetGuid() == id));
        using var markAsB = await asB.PostAsJsonAsync(new Uri($"/api/videos/{id}/reviews", UriKind.Relative), new { });
        Assert.Equal(HttpStatusCode.NotFound, markAsB.StatusCode);

        // `./portal dataset export --owner EMAIL --out DIR` runs this command: the same tracks in a directory.
        using var output = new TempDirectory("portal-reviewed");
        var settings = new Dictionary<string, string?> { ["ConnectionStrings:Portal"] = app.ConnectionString };
        Assert.Equal(0, await LearningCommandLine.RunAsync(["dataset", "export", "--owner", app.Owner.Email, "--out", output.Path], settings));
        using var labels = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output.Path, "labels.json")));
        var files = labels.RootElement.GetProperty("tracks").EnumerateArray().Select(t => t.GetProperty("file").GetString()!).ToList();
        Assert.Equal(Tracks(mine).Select(t => t.GetProperty("file").GetString()), files);
        Assert.All(files, f => Assert.True(File.Exists(Path.Combine(output.Path, f)), f));
        Assert.Equal(1, await LearningCommandLine.RunAsync(["dataset", "export", "--out", output.Path], settings));
        Assert.Equal(2, await LearningCommandLine.RunAsync(["dataset", "export"], settings));

        // `./portal review unmark` then `review mark --track N`: the command line acts for the video's owner.
        Assert.Equal(0, await LearningCommandLine.RunAsync(["review", "unmark", id.ToString()], settings));
        Assert.Equal(0, await LearningCommandLine.RunAsync(["review", "mark", id.ToString(), "--track", withSegments[0].ToString(System.Globalization.CultureInfo.InvariantCulture)], settings));
        Assert.Equal(1, await LearningCommandLine.RunAsync(["review", "mark", Guid.NewGuid().ToString()], settings));
        var marks = await app.GetJsonAsync<List<ReviewMarkDto>>($"/api/videos/{id}/reviews");
        Assert.Equal(withSegments[0], Assert.Single(marks).TrackId);
        Assert.Equal(app.Owner.Id, marks[0].ReviewerId);
    }

    private sealed record Export(JsonElement Labels, Dictionary<string, string> Files);

    private static IEnumerable<JsonElement> Tracks(Export export) => export.Labels.GetProperty("tracks").EnumerateArray();

    /// <summary>GET /api/datasets/reviewed as <paramref name="client"/>: labels.json and every file of the zip.</summary>
    private static async Task<Export> ExportAsync(HttpClient client, string query)
    {
        using var response = await client.GetAsync(new Uri($"/api/datasets/reviewed{query}", UriKind.Relative));
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        using var zip = new ZipArchive(await response.Content.ReadAsStreamAsync(), ZipArchiveMode.Read);
        var files = new Dictionary<string, string>();
        foreach (var entry in zip.Entries)
        {
            using var reader = new StreamReader(entry.Open());
            files[entry.FullName] = await reader.ReadToEndAsync();
        }

        return new Export(JsonDocument.Parse(files["labels.json"]).RootElement.Clone(), files);
    }

    private async Task<Guid> ProcessedClipAsync()
    {
        var uploaded = await app.UploadOkAsync(TestPaths.Video("tfjs_pose_1.mp4"));
        var video = await app.WaitUntilFinishedAsync(uploaded.Id);
        Assert.True(video.Status == VideoStatus.Succeeded, $"{video.Status} {video.Error}");
        return uploaded.Id;
    }
}
