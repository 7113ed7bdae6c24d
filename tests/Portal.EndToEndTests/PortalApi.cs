using System.Net.Http.Json;

namespace Portal.EndToEndTests;

/// <summary>The running portal's HTTP API as the end-to-end tests call it: plain HTTP, JSON read as it comes.</summary>
public sealed class PortalApi(RunningPortal portal) : IDisposable
{
    public HttpClient Http { get; } = portal.CreateHttpClient();

    /// <summary>Uploads a file in one request (multipart), under <paramref name="name"/> or its own name; returns the video id.</summary>
    public async Task<Guid> UploadAsync(string path, string? name = null)
    {
        await using var file = File.OpenRead(path);
        using var content = new MultipartFormDataContent { { new StreamContent(file), "file", name ?? Path.GetFileName(path) } };
        using var created = await Http.PostAsync(new Uri("/api/videos", UriKind.Relative), content);
        created.EnsureSuccessStatusCode();
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    public async Task<JsonElement> VideoAsync(Guid id) =>
        await Http.GetFromJsonAsync<JsonElement>(new Uri($"/api/videos/{id}", UriKind.Relative));

    /// <summary>Polls the video until its stage is <paramref name="stage"/>; fails the test, with the portal's log, after <paramref name="within"/>.</summary>
    public async Task WaitForStageAsync(Guid id, string stage, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while ((await VideoAsync(id)).GetProperty("stage").GetString() != stage)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{id} never reached the {stage} stage:\n{portal.Log}");
            await Task.Delay(100);
        }
    }

    /// <summary>Polls the video until it is Succeeded, Failed or Canceled and returns that status.</summary>
    public async Task<string?> WaitUntilFinishedAsync(Guid id, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        string? status;
        while ((status = (await VideoAsync(id)).GetProperty("status").GetString()) is not ("Succeeded" or "Failed" or "Canceled"))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{id} still {status} after {within}:\n{portal.Log}");
            await Task.Delay(250);
        }

        return status;
    }

    public void Dispose() => Http.Dispose();
}
