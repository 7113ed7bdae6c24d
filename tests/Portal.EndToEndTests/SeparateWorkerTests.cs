using System.Net.Http.Json;
using System.Text.Json;
using Portal.TestSupport;

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
        using var http = new HttpClient { BaseAddress = portal.BaseUrl };
        await using var file = File.OpenRead(TestPaths.Video("tfjs_pose_1.mp4"));
        using var content = new MultipartFormDataContent { { new StreamContent(file), "file", "tfjs_pose_1.mp4" } };
        using var created = await http.PostAsync(new Uri("/api/videos", UriKind.Relative), content);
        created.EnsureSuccessStatusCode();
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        // The web host runs no worker, so any progress past the upload is the stand-alone worker's: wait for the probe's
        // metadata and for the run to move past the first stage.
        JsonElement video = default;
        var deadline = DateTime.UtcNow.AddMinutes(4);
        while (DateTime.UtcNow < deadline)
        {
            await Task.Delay(300);
            video = await http.GetFromJsonAsync<JsonElement>(new Uri($"/api/videos/{id}", UriKind.Relative));
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
