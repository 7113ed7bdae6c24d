using Microsoft.OpenApi;
using Npgsql;

namespace Portal.IntegrationTests;

/// <summary>The library's API: filters by status, action label and file name, paging, and deleting videos.</summary>
[Collection(IntegrationCollection.Name)]
public sealed class LibraryApiTests(PortalApp app) : IClassFixture<PortalApp>
{
    [Fact]
    public async Task ListVideos_FiltersByStatusLabelAndName_InTheDatabase_AndPages()
    {
        using var temp = new TempDirectory();
        var notAVideo = Path.Combine(temp.Path, "text.mp4");
        await File.WriteAllTextAsync(notAVideo, "plain text pretending to be a video");
        var alpha = await ProcessedAsync("Library Alpha_1.mp4");
        var beta = (await app.UploadOkAsync(notAVideo, "library-beta.mp4")).Id;
        var gamma = await ProcessedAsync("library-gamma.mp4");
        Assert.Equal(VideoStatus.Failed, (await app.WaitUntilFinishedAsync(beta)).Status);

        Assert.Equal([beta], await IdsAsync("?q=library&status=Failed"));
        Assert.Equal([gamma, alpha], await IdsAsync("?q=library&status=succeeded"));
        Assert.Equal([alpha], await IdsAsync("?q=ALPHA"));
        // %, _ and \ are taken literally, not as LIKE wildcards.
        Assert.Equal([alpha], await IdsAsync("?q=_"));
        Assert.Empty(await IdsAsync("?q=%25"));

        // Label filter: a relabelled segment counts with its new label; the model's label only where it is still used.
        var track = (await app.GetJsonAsync<TimelineDto>($"/api/videos/{alpha}/timeline")).Tracks.First(t => t.Segments.Count > 0);
        using var client = app.CreateClient();
        using (var relabel = await client.PostAsJsonAsync(new Uri($"/api/videos/{alpha}/corrections", UriKind.Relative),
                   new CorrectionRequest("relabel", track.TrackId, 0, Label: "library label")))
        {
            Assert.Equal(HttpStatusCode.OK, relabel.StatusCode);
        }

        Assert.Equal([alpha], await IdsAsync("?label=library%20label"));
        Assert.Empty(await IdsAsync("?label=no%20such%20label"));
        var alphaLabels = await CurrentLabelsAsync(alpha);
        var gammaLabels = await CurrentLabelsAsync(gamma);
        foreach (var label in alphaLabels.Union(gammaLabels).Append(track.Segments[0].Label))
        {
            var expected = new[] { (gamma, gammaLabels), (alpha, alphaLabels) }.Where(v => v.Item2.Contains(label)).Select(v => v.Item1);
            Assert.Equal(expected, await IdsAsync($"?q=library&label={Uri.EscapeDataString(label)}"));
        }

        var labels = await app.GetJsonAsync<List<string>>("/api/videos/labels");
        Assert.Equal(alphaLabels.Union(gammaLabels).Order(StringComparer.Ordinal), labels);

        // Pages: newest first, X-Total-Count is the number matching in all.
        using var first = await client.GetAsync(new Uri("/api/videos?q=library&limit=2", UriKind.Relative));
        Assert.Equal("3", first.Headers.GetValues("X-Total-Count").Single());
        var page1 = (await first.Content.ReadFromJsonAsync<List<VideoDto>>(PortalApp.Json))!.Select(v => v.Id);
        Assert.Equal([gamma, beta, alpha], page1.Concat(await IdsAsync("?q=library&limit=2&offset=2")));

        foreach (var bad in new[] { "?status=Lost", "?limit=0", "?limit=100000", "?offset=-1" })
        {
            using var response = await client.GetAsync(new Uri("/api/videos" + bad, UriKind.Relative));
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{bad}: {response.StatusCode}");
        }
    }

    [Fact]
    public async Task DeleteVideo_RemovesItsRowsAndFiles_AndLeavesOtherVideosAlone()
    {
        var doomed = await ProcessedAsync("delete-me.mp4");
        var kept = await ProcessedAsync("keep-me.mp4");
        var track = (await app.GetJsonAsync<TimelineDto>($"/api/videos/{doomed}/timeline")).Tracks.First(t => t.Segments.Count > 0);
        using var client = app.CreateClient();
        using (var relabel = await client.PostAsJsonAsync(new Uri($"/api/videos/{doomed}/corrections", UriKind.Relative),
                   new CorrectionRequest("relabel", track.TrackId, 0, Label: "gone soon")))
        {
            Assert.Equal(HttpStatusCode.OK, relabel.StatusCode);
        }

        var doomedFiles = await MediaFilesAsync(doomed);
        var keptFiles = await MediaFilesAsync(kept);
        Assert.Contains(doomedFiles, f => f.EndsWith(".png", StringComparison.Ordinal));
        Assert.All(doomedFiles.Concat(keptFiles), f => Assert.True(File.Exists(f), f));
        var keptRows = await RowCountsAsync(kept);
        var doomedRows = await RowCountsAsync(doomed);
        Assert.Equal(1, doomedRows["segment_corrections"]);
        Assert.True(doomedRows["segments"] > 0 && doomedRows["tracks"] > 0 && doomedRows["action_windows"] > 0);
        var doomedRuns = await RunIdsAsync(doomed);

        using var deleted = await client.DeleteAsync(new Uri($"/api/videos/{doomed}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        Assert.All(doomedFiles, f => Assert.False(File.Exists(f), f));
        Assert.False(Directory.Exists(Path.Combine(app.Media.Path, "videos", doomed.ToString("N"))), "the video's folder is left");
        Assert.All(doomedRuns, run => Assert.False(Directory.Exists(Path.Combine(app.Media.Path, "runs", run.ToString("N"))), $"run {run}'s folder is left"));
        Assert.All(await RowCountsAsync(doomed, doomedRuns), count => Assert.True(count.Value == 0, $"{count.Key}: {count.Value} rows left"));
        using (var gone = await client.GetAsync(new Uri($"/api/videos/{doomed}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }

        using (var again = await client.DeleteAsync(new Uri($"/api/videos/{doomed}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        }

        Assert.All(keptFiles, f => Assert.True(File.Exists(f), f));
        Assert.Equal(keptRows, await RowCountsAsync(kept));
        Assert.NotEmpty((await app.GetJsonAsync<TimelineDto>($"/api/videos/{kept}/timeline")).Tracks);
    }

    [Fact]
    public async Task DeleteVideo_WhileItIsProcessed_CancelsItsWork_AndRemovesIt()
    {
        var id = (await app.UploadOkAsync(TestPaths.Video("one-by-one-person-detection.mp4"), "delete-while-busy.mp4")).Id;
        for (var deadline = DateTime.UtcNow.AddSeconds(90); (await app.GetVideoAsync(id)).Status != VideoStatus.Processing;)
        {
            Assert.True(DateTime.UtcNow < deadline, "the video never started processing");
            await Task.Delay(100);
        }

        var runs = await RunIdsAsync(id);
        using var client = app.CreateClient();
        using var deleted = await client.DeleteAsync(new Uri($"/api/videos/{id}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        // The stage notices within seconds and stops; nothing of the video comes back meanwhile.
        await Task.Delay(TimeSpan.FromSeconds(8));
        using var gone = await client.GetAsync(new Uri($"/api/videos/{id}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.All(await RowCountsAsync(id, runs), count => Assert.True(count.Value == 0, $"{count.Key}: {count.Value} rows left"));
        Assert.False(Directory.Exists(Path.Combine(app.Media.Path, "videos", id.ToString("N"))), "the video's folder is left");
    }

    [Fact]
    public async Task DeleteVideo_DeletesItsFoldersAgainLater_WithWhatAStoppingStageWroteAfterTheDelete()
    {
        var id = await ProcessedAsync("written-after-delete.mp4");
        var runs = await RunIdsAsync(id);
        using var client = app.CreateClient();
        using var deleted = await client.DeleteAsync(new Uri($"/api/videos/{id}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        // What a stage of the canceled run could still write in the seconds before it stops.
        var late = new[] { Path.Combine(app.Media.Path, "videos", id.ToString("N"), "proxy.mp4") }
            .Concat(runs.Select(run => Path.Combine(app.Media.Path, "runs", run.ToString("N"), "keyframes", "1-0.png")))
            .ToList();
        foreach (var file in late)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            await File.WriteAllBytesAsync(file, [1, 2, 3]);
        }

        // Deleted again 1 s later (this host's setting), once Hangfire's scheduler (every 15 s) has enqueued the job.
        for (var deadline = DateTime.UtcNow.AddSeconds(60); late.Any(File.Exists);)
        {
            Assert.True(DateTime.UtcNow < deadline, $"still there: {string.Join(", ", late.Where(File.Exists))}");
            await Task.Delay(250);
        }

        Assert.False(Directory.Exists(Path.Combine(app.Media.Path, "videos", id.ToString("N"))));
    }

    [Fact]
    public async Task OpenApiDocument_IsValid_AndDescribesTheLibraryApi()
    {
        using var client = app.CreateClient();
        var json = await client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative));

        var read = OpenApiDocument.Parse(json, "json");
        Assert.Empty(read.Diagnostic!.Errors);
        Assert.Empty(read.Document!.Validate(ValidationRuleSet.GetDefaultRuleSet()) ?? []);
        using var document = JsonDocument.Parse(json);
        var paths = document.RootElement.GetProperty("paths");
        var list = paths.GetProperty("/api/videos").GetProperty("get");
        Assert.Equal(["status", "label", "q", "limit", "offset"], list.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.True(paths.GetProperty("/api/videos/{id}").TryGetProperty("delete", out _), "DELETE /api/videos/{id} is missing");
        Assert.True(paths.GetProperty("/api/videos/labels").TryGetProperty("get", out _), "GET /api/videos/labels is missing");
    }

    private async Task<Guid> ProcessedAsync(string name)
    {
        var id = (await app.UploadOkAsync(TestPaths.Video("tfjs_pose_1.mp4"), name)).Id;
        var video = await app.WaitUntilFinishedAsync(id);
        Assert.True(video.Status == VideoStatus.Succeeded, $"{video.Status} {video.Error}");
        return id;
    }

    private async Task<List<Guid>> IdsAsync(string query) =>
        (await app.GetJsonAsync<List<VideoDto>>("/api/videos" + query)).Select(v => v.Id).ToList();

    private async Task<HashSet<string>> CurrentLabelsAsync(Guid id) =>
        (await app.GetJsonAsync<TimelineDto>($"/api/videos/{id}/timeline")).Tracks.SelectMany(t => t.Segments).Select(s => s.Label).ToHashSet();

    /// <summary>The video's files on disk: the upload, the review proxy and every run's keyframes.</summary>
    private async Task<List<string>> MediaFilesAsync(Guid id)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            """SELECT s."KeyframePath" FROM portal.segments s JOIN portal.processing_runs r ON r."Id" = s."RunId" WHERE r."VideoId" = @id AND s."KeyframePath" IS NOT NULL""",
            connection);
        command.Parameters.AddWithValue("id", id);
        var files = new List<string> { Path.Combine(app.Media.Path, "videos", id.ToString("N"), "source"), Path.Combine(app.Media.Path, "videos", id.ToString("N"), "proxy.mp4") };
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            files.Add(Path.Combine(app.Media.Path, reader.GetString(0)));
        }

        return files;
    }

    private async Task<Guid[]> RunIdsAsync(Guid id)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""SELECT "Id" FROM portal.processing_runs WHERE "VideoId" = @id""", connection);
        command.Parameters.AddWithValue("id", id);
        var runs = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            runs.Add(reader.GetGuid(0));
        }

        return [.. runs];
    }

    /// <summary>
    /// Rows of the video in every table that holds some, read straight from PostgreSQL; <paramref name="runIds"/> are
    /// its runs as they were before a delete (result rows are counted by run, not through the runs table).
    /// </summary>
    private async Task<Dictionary<string, long>> RowCountsAsync(Guid id, Guid[]? runIds = null)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        runIds ??= await RunIdsAsync(id);
        var counts = new Dictionary<string, long>();
        var queries = new Dictionary<string, string>
        {
            ["videos"] = """SELECT count(*) FROM portal.videos WHERE "Id" = @id""",
            ["processing_runs"] = """SELECT count(*) FROM portal.processing_runs WHERE "VideoId" = @id""",
        };
        foreach (var table in new[] { "tracks", "action_windows", "segments", "segment_corrections" })
        {
            queries[table] = $"""SELECT count(*) FROM portal.{table} WHERE "RunId" = ANY(@runs)""";
        }

        foreach (var (table, sql) in queries)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.AddWithValue("id", id);
            command.Parameters.AddWithValue("runs", runIds);
            counts[table] = (long)(await command.ExecuteScalarAsync())!;
        }

        return counts;
    }
}
