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
        using var api = new PortalApi(portal);
        var id = await api.UploadAsync(TestPaths.Video("basketball_two_people.mp4"));

        // Kill the worker while it is in the middle of the pose stage (after the proxy stage has been checkpointed).
        await api.WaitForStageAsync(id, "poses", TimeSpan.FromMinutes(3));
        portal.KillWorker();
        var afterKill = await api.VideoAsync(id);
        Assert.Equal("Processing", afterKill.GetProperty("status").GetString());
        portal.StartWorker();

        var status = await api.WaitUntilFinishedAsync(id, TimeSpan.FromMinutes(6));
        Assert.Equal("Succeeded", status);
        await portal.AssertProcessedOnceAsync(id);
        // Each stage's rows exist once: track numbers 1..n without gaps, one keyframe file per segment.
        var tracks = (long)(await portal.ScalarAsync("select count(*) from portal.tracks t join portal.processing_runs r on r.\"Id\" = t.\"RunId\" where r.\"VideoId\" = @id", id))!;
        var maxTrack = (int)(await portal.ScalarAsync("select max(\"TrackNumber\") from portal.tracks t join portal.processing_runs r on r.\"Id\" = t.\"RunId\" where r.\"VideoId\" = @id", id))!;
        Assert.True(tracks > 0);
        Assert.Equal(tracks, maxTrack);
        var segments = (long)(await portal.ScalarAsync("select count(*) from portal.segments s join portal.processing_runs r on r.\"Id\" = s.\"RunId\" where r.\"VideoId\" = @id", id))!;
        var keyframes = Directory.EnumerateFiles(portal.Media.Path, "*.png", SearchOption.AllDirectories).Count();
        Assert.Equal(segments, keyframes);
    }
}
