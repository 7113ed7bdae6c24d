namespace Portal.IntegrationTests;

/// <summary>Portal:Upload:MaxDurationSeconds, enforced after the probe (a file's duration is unknown before).</summary>
[Collection(IntegrationCollection.Name)]
public sealed class DurationLimitTests(ShortVideosPortalApp app) : IClassFixture<ShortVideosPortalApp>
{
    [Fact]
    public async Task AVideoOverTheDurationLimit_EndsFailed_WithItsDurationAndTheLimit_AndOthersAreProcessed()
    {
        var tooLong = await app.UploadOkAsync(TestPaths.Video("k400_archery.avi")); // 5.24 s
        var shortEnough = await app.UploadOkAsync(TestPaths.Video("tfjs_pose_1.mp4")); // 4 s

        var failed = await app.WaitUntilFinishedAsync(tooLong.Id);
        Assert.Equal(VideoStatus.Failed, failed.Status);
        Assert.Equal("The video lasts 5.2 s; videos up to 5 s long are processed.", failed.Error);
        Assert.Equal(5.24, failed.DurationSeconds!.Value, 0.01);
        Assert.Null(failed.CurrentRunId);
        Assert.True(File.Exists(Path.Combine(app.Media.Path, "videos", tooLong.Id.ToString("N"), "source")), "the upload itself is kept");
        Assert.Equal(VideoStatus.Succeeded, (await app.WaitUntilFinishedAsync(shortEnough.Id)).Status);

        // Reprocessing cannot go around the limit.
        using var client = app.CreateClient();
        using var reprocess = await client.PostAsJsonAsync(new Uri($"/api/videos/{tooLong.Id}/reprocess", UriKind.Relative), new { model = (string?)null });
        Assert.Equal(HttpStatusCode.Conflict, reprocess.StatusCode);
        Assert.Contains("videos up to 5 s long", await reprocess.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
