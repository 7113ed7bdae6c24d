namespace Portal.EndToEndTests;

/// <summary>The portal stopped and started again on its database and media, as after a reboot or an upgrade.</summary>
public sealed class RestartTests(RunningPortal portal) : IClassFixture<RunningPortal>
{
    [Fact]
    public async Task AfterARestart_TheLibraryIsThere_AndNewUploadsAreProcessed()
    {
        using var api = new PortalApi(portal);
        var before = await api.UploadAsync(TestPaths.Video("tfjs_pose_1.mp4"));
        Assert.Equal("Succeeded", await api.WaitUntilFinishedAsync(before, TimeSpan.FromMinutes(4)));
        var timeline = await api.Http.GetStringAsync(new Uri($"/api/videos/{before}/timeline", UriKind.Relative));

        await portal.RestartWebHostAsync();

        Assert.Equal("Succeeded", (await api.VideoAsync(before)).GetProperty("status").GetString());
        Assert.Equal(timeline, await api.Http.GetStringAsync(new Uri($"/api/videos/{before}/timeline", UriKind.Relative)));
        var after = await api.UploadAsync(TestPaths.Video("k400_archery.avi"));
        Assert.Equal("Succeeded", await api.WaitUntilFinishedAsync(after, TimeSpan.FromMinutes(4)));
        // The second start found the schema as the first left it: no migration ran again, nothing failed.
        Assert.DoesNotContain("Failed executing DbCommand", portal.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("already exists", portal.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AVideoInTheMiddleOfItsPoses_WhenTheHostStops_IsFinishedOnceAfterItStartsAgain()
    {
        using var api = new PortalApi(portal);
        var id = await api.UploadAsync(TestPaths.Video("basketball_two_people.mp4"));
        await api.WaitForStageAsync(id, "poses", TimeSpan.FromMinutes(3));

        await portal.RestartWebHostAsync();

        Assert.Equal("Succeeded", await api.WaitUntilFinishedAsync(id, TimeSpan.FromMinutes(4)));
        await portal.AssertProcessedOnceAsync(id);
    }
}
