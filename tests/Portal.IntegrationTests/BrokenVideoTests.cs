using Hangfire;

namespace Portal.IntegrationTests;

/// <summary>
/// Real clips damaged at test time. ffmpeg exits 0 on both kinds of damage: it conceals broken pictures and goes on,
/// and it just stops at the end of a truncated stream. The first is fine, the second must fail with where it broke.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class BrokenVideoTests(PortalApp app) : IClassFixture<PortalApp>, IDisposable
{
    private const string Clip = "basketball_two_people.mp4"; // 10.0 s, 29.97 fps

    private readonly TempDirectory _temp = new("portal-broken");

    [Fact]
    public async Task VideoThatBreaksOffMidway_FailsWithTheFrameAndTime_AndTheNextVideoSucceeds()
    {
        // The index first (as phones and web exports write it), then only the first half of the bytes: ffprobe still
        // announces 10 s, but the picture data ends about halfway.
        var indexFirst = Path.Combine(_temp.Path, "index-first.mp4");
        TestFfmpeg.Run("-i", TestPaths.Video(Clip), "-c", "copy", "-movflags", "+faststart", indexFirst);
        var broken = Path.Combine(_temp.Path, "broken-off.mp4");
        var bytes = await File.ReadAllBytesAsync(indexFirst);
        await File.WriteAllBytesAsync(broken, bytes[..(bytes.Length / 2)]);

        var brokenVideo = await app.UploadOkAsync(broken);
        var nextVideo = await app.UploadOkAsync(TestPaths.Video("tfjs_pose_1.mp4"));

        var failed = await app.WaitUntilFinishedAsync(brokenVideo.Id);
        Assert.Equal(VideoStatus.Failed, failed.Status);
        Assert.Equal("proxy", failed.Stage);
        Assert.Matches(@"^The video breaks off after frame \d+ \(\d+\.\d s of 10\.0 s\): ffmpeg could not decode the rest", failed.Error);
        var next = await app.WaitUntilFinishedAsync(nextVideo.Id);
        Assert.True(next.Status == VideoStatus.Succeeded, $"{next.Status} {next.Error}");
        // A broken file is not a transient error: nothing waits to retry it.
        Assert.Equal(0, app.Services.GetRequiredService<JobStorage>().GetMonitoringApi().ScheduledCount());
    }

    [Fact]
    public async Task VideoWithDamagedPicturesInTheMiddle_Succeeds()
    {
        // 16 KB of noise in the middle of the picture data (this clip's index is at the end, after it).
        var damaged = Path.Combine(_temp.Path, "damaged.mp4");
        var bytes = await File.ReadAllBytesAsync(TestPaths.Video(Clip));
        new Random(5).NextBytes(bytes.AsSpan(bytes.Length / 2, 16 * 1024));
        await File.WriteAllBytesAsync(damaged, bytes);

        var uploaded = await app.UploadOkAsync(damaged);

        var video = await app.WaitUntilFinishedAsync(uploaded.Id);
        Assert.True(video.Status == VideoStatus.Succeeded, $"{video.Status} {video.Error}");
        var timeline = await app.GetJsonAsync<TimelineDto>($"/api/videos/{uploaded.Id}/timeline");
        Assert.NotEmpty(timeline.Tracks);
    }

    public void Dispose() => _temp.Dispose();
}
