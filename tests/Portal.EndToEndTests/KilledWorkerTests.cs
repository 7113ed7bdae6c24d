using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Portal.TestSupport;

namespace Portal.EndToEndTests;

/// <summary>A separate worker whose abandoned jobs are fetched again 10 s after it dies.</summary>
public sealed class PortalWithRestartableWorker : RunningPortal
{
    protected override bool InProcessWorker => false;

    protected override int InvisibilityTimeoutSeconds => 10;
}

public sealed class KilledWorkerTests(PortalWithRestartableWorker portal) : IClassFixture<PortalWithRestartableWorker>
{
    [Fact]
    public async Task WorkerKilledMidVideo_ResumesAfterRestart_AndCompletesExactlyOnce()
    {
        using var http = new HttpClient { BaseAddress = portal.BaseUrl };
        await using var file = File.OpenRead(TestPaths.Video("basketball_two_people.mp4"));
        using var content = new MultipartFormDataContent { { new StreamContent(file), "file", "basketball_two_people.mp4" } };
        using var created = await http.PostAsync(new Uri("/api/videos", UriKind.Relative), content);
        created.EnsureSuccessStatusCode();
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        // Kill the worker while it is in the middle of the pose stage (after the proxy stage has been checkpointed).
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while ((await VideoAsync(http, id)).GetProperty("stage").GetString() != "poses")
        {
            Assert.True(DateTime.UtcNow < deadline, $"never reached the pose stage:\n{portal.Log}");
            await Task.Delay(100);
        }

        portal.KillWorker();
        var afterKill = await VideoAsync(http, id);
        Assert.Equal("Processing", afterKill.GetProperty("status").GetString());
        portal.StartWorker();

        deadline = DateTime.UtcNow.AddMinutes(6);
        string? status;
        while ((status = (await VideoAsync(http, id)).GetProperty("status").GetString()) is not ("Succeeded" or "Failed"))
        {
            Assert.True(DateTime.UtcNow < deadline, $"not finished after the restart ({status}):\n{portal.Log}");
            await Task.Delay(500);
        }

        Assert.Equal("Succeeded", status);
        await using var db = new NpgsqlConnection(portal.DatabaseConnectionString);
        await db.OpenAsync();
        Assert.Equal(1L, await ScalarAsync(db, "select count(*) from portal.processing_runs where \"VideoId\" = @id", id));
        Assert.Equal("keyframes", await ScalarAsync(db, "select \"CompletedStage\" from portal.processing_runs where \"VideoId\" = @id", id));
        // Each stage's rows exist once: track numbers 1..n without gaps, one keyframe file per segment.
        var tracks = (long)(await ScalarAsync(db, "select count(*) from portal.tracks t join portal.processing_runs r on r.\"Id\" = t.\"RunId\" where r.\"VideoId\" = @id", id))!;
        var maxTrack = (int)(await ScalarAsync(db, "select max(\"TrackNumber\") from portal.tracks t join portal.processing_runs r on r.\"Id\" = t.\"RunId\" where r.\"VideoId\" = @id", id))!;
        Assert.True(tracks > 0);
        Assert.Equal(tracks, maxTrack);
        var segments = (long)(await ScalarAsync(db, "select count(*) from portal.segments s join portal.processing_runs r on r.\"Id\" = s.\"RunId\" where r.\"VideoId\" = @id", id))!;
        var keyframes = Directory.EnumerateFiles(portal.Media.Path, "*.png", SearchOption.AllDirectories).Count();
        Assert.Equal(segments, keyframes);
    }

    private static async Task<JsonElement> VideoAsync(HttpClient http, Guid id) =>
        await http.GetFromJsonAsync<JsonElement>(new Uri($"/api/videos/{id}", UriKind.Relative));

    private static async Task<object?> ScalarAsync(NpgsqlConnection db, string sql, Guid id)
    {
        await using var command = new NpgsqlCommand(sql, db);
        command.Parameters.AddWithValue("id", id);
        return await command.ExecuteScalarAsync();
    }
}
