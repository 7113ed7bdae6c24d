namespace Portal.EndToEndTests;

/// <summary>The web host runs no worker; a stand-alone worker process (what `./portal worker` starts) does the jobs.</summary>
public sealed class PortalWithSeparateWorker : RunningPortal
{
    protected override bool InProcessWorker => false;
}

public sealed class SeparateWorkerTests(PortalWithSeparateWorker portal) : IClassFixture<PortalWithSeparateWorker>
{
    [Fact]
    public async Task StandaloneWorker_ProcessesUploads_ForAWebHostWithoutAWorker()
    {
        using var api = new PortalApi(portal);
        var id = await api.UploadAsync(TestPaths.Video("tfjs_pose_1.mp4"));

        // The web host runs no worker, so any progress past the upload is the stand-alone worker's: wait for the probe's
        // metadata and for the run to move past the first stage.
        JsonElement video = default;
        var deadline = DateTime.UtcNow.AddMinutes(4);
        while (DateTime.UtcNow < deadline)
        {
            await Task.Delay(300);
            video = await api.VideoAsync(id);
            if (video.GetProperty("width").ValueKind == JsonValueKind.Number && video.GetProperty("stage").GetString() is not (null or "probe"))
            {
                break;
            }
        }

        Assert.True(video.GetProperty("width").ValueKind == JsonValueKind.Number, $"not probed: {video}; log:\n{portal.Log}");
        Assert.Equal(576, video.GetProperty("width").GetInt32());
        Assert.NotEqual("Failed", video.GetProperty("status").GetString());
    }
}
