using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Portal.TestSupport;

namespace Portal.EndToEndTests;

/// <summary>The portal stopped and started again on its database and media, as after a reboot or an upgrade.</summary>
public sealed class RestartTests(RunningPortal portal) : IClassFixture<RunningPortal>
{
    [Fact]
    public async Task AfterARestart_TheLibraryIsThere_AndNewUploadsAreProcessed()
    {
        using var http = new HttpClient { BaseAddress = portal.BaseUrl };
        var before = await UploadAsync(http, "tfjs_pose_1.mp4");
        Assert.Equal("Succeeded", await StatusWhenFinishedAsync(http, before));
        var timeline = await http.GetStringAsync(new Uri($"/api/videos/{before}/timeline", UriKind.Relative));

        await portal.RestartWebHostAsync();

        Assert.Equal("Succeeded", (await VideoAsync(http, before)).GetProperty("status").GetString());
        Assert.Equal(timeline, await http.GetStringAsync(new Uri($"/api/videos/{before}/timeline", UriKind.Relative)));
        var after = await UploadAsync(http, "k400_archery.avi");
        Assert.Equal("Succeeded", await StatusWhenFinishedAsync(http, after));
        // The second start found the schema as the first left it: no migration ran again, nothing failed.
        Assert.DoesNotContain("Failed executing DbCommand", portal.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("already exists", portal.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AVideoInTheMiddleOfItsPoses_WhenTheHostStops_IsFinishedOnceAfterItStartsAgain()
    {
        using var http = new HttpClient { BaseAddress = portal.BaseUrl };
        var id = await UploadAsync(http, "basketball_two_people.mp4");
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while ((await VideoAsync(http, id)).GetProperty("stage").GetString() != "poses")
        {
            Assert.True(DateTime.UtcNow < deadline, $"never reached the pose stage:\n{portal.Log}");
            await Task.Delay(100);
        }

        await portal.RestartWebHostAsync();

        Assert.Equal("Succeeded", await StatusWhenFinishedAsync(http, id));
        await using var db = new NpgsqlConnection(portal.DatabaseConnectionString);
        await db.OpenAsync();
        await using var runs = new NpgsqlCommand("""select count(*), min("CompletedStage") from portal.processing_runs where "VideoId" = @id""", db);
        runs.Parameters.AddWithValue("id", id);
        await using var reader = await runs.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal((1L, "keyframes"), (reader.GetInt64(0), reader.GetString(1)));
    }

    private static async Task<Guid> UploadAsync(HttpClient http, string clip)
    {
        await using var file = File.OpenRead(TestPaths.Video(clip));
        using var content = new MultipartFormDataContent { { new StreamContent(file), "file", clip } };
        using var created = await http.PostAsync(new Uri("/api/videos", UriKind.Relative), content);
        created.EnsureSuccessStatusCode();
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    private async Task<string?> StatusWhenFinishedAsync(HttpClient http, Guid id)
    {
        var deadline = DateTime.UtcNow.AddMinutes(4);
        string? status;
        while ((status = (await VideoAsync(http, id)).GetProperty("status").GetString()) is not ("Succeeded" or "Failed" or "Canceled"))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{id} still {status}:\n{portal.Log}");
            await Task.Delay(250);
        }

        return status;
    }

    private static async Task<JsonElement> VideoAsync(HttpClient http, Guid id) =>
        await http.GetFromJsonAsync<JsonElement>(new Uri($"/api/videos/{id}", UriKind.Relative));
}
