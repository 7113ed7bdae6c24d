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

        string? status = null;
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline && status is not ("Succeeded" or "Failed"))
        {
            await Task.Delay(300);
            status = (await http.GetFromJsonAsync<JsonElement>(new Uri($"/api/videos/{id}", UriKind.Relative))).GetProperty("status").GetString();
        }

        Assert.True(status == "Succeeded", $"status {status}; log:\n{portal.Log}");
    }
}
