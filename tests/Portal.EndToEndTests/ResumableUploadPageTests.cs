using System.Net.Http.Json;
using System.Security.Cryptography;

namespace Portal.EndToEndTests;

/// <summary>The upload page's resumable uploads in Debian's Chromium: pause and resume, limits checked in the browser.</summary>
public sealed class ResumableUploadPageTests(RunningPortal portal) : IClassFixture<RunningPortal>
{
    private static readonly LocatorAssertionsToHaveTextOptions Slow = new() { Timeout = 90_000 };

    [Fact]
    public async Task PausingAnUpload_KeepsTheBytesSent_AndResumingFinishesIt_WithTheFilesSha256()
    {
        using var temp = new TempDirectory();
        var path = Path.Combine(temp.Path, "paused.mp4");
        await File.WriteAllBytesAsync(path, RandomNumberGenerator.GetBytes(8 * 1024 * 1024));
        var page = await portal.NewPageAsync();
        // Chromium's own throttle (1 MB/s up) makes the upload last long enough to pause it part-way.
        var cdp = await page.Context.NewCDPSessionAsync(page);
        await cdp.SendAsync("Network.enable");
        await cdp.SendAsync("Network.emulateNetworkConditions", new Dictionary<string, object>
        {
            ["offline"] = false, ["latency"] = 0, ["downloadThroughput"] = -1, ["uploadThroughput"] = 1_000_000,
        });
        await page.GotoAsync("/upload");

        await page.GetByTestId("upload-input").SetInputFilesAsync(path);
        await page.GetByTestId("upload-button").ClickAsync();
        var item = page.GetByTestId("upload-item").First;
        await page.WaitForFunctionAsync("() => Number(document.querySelector('[data-testid=upload-item]')?.dataset.bytesSent ?? 0) > 1048576");
        await item.GetByTestId("upload-pause").ClickAsync();
        await Assertions.Expect(item.GetByTestId("upload-state")).ToHaveTextAsync("paused");
        await Assertions.Expect(item.GetByTestId("upload-resume")).ToBeFocusedAsync();

        // The server kept what arrived before the pause.
        var uploadUrl = await item.GetAttributeAsync("data-upload-url");
        Assert.False(string.IsNullOrEmpty(uploadUrl));
        using var http = portal.CreateHttpClient();
        using var head = new HttpRequestMessage(HttpMethod.Head, uploadUrl);
        head.Headers.Add("Tus-Resumable", "1.0.0");
        using var headResponse = await http.SendAsync(head);
        var offset = long.Parse(headResponse.Headers.GetValues("Upload-Offset").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(offset, 1, new FileInfo(path).Length - 1);

        await cdp.SendAsync("Network.emulateNetworkConditions", new Dictionary<string, object>
        {
            ["offline"] = false, ["latency"] = 0, ["downloadThroughput"] = -1, ["uploadThroughput"] = -1,
        });
        await item.GetByTestId("upload-resume").ClickAsync();
        await Assertions.Expect(item.GetByTestId("upload-state")).ToHaveTextAsync("uploaded", Slow);

        var videoId = await item.GetAttributeAsync("data-video-id");
        var video = await http.GetFromJsonAsync<JsonElement>(new Uri($"/api/videos/{videoId}", UriKind.Relative));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(path))), video.GetProperty("sha256").GetString());
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = RunningPortal.ScreenshotPath("upload-resumable.png") });
    }

    [Fact]
    public async Task AnUploadCutByAPageReload_ContinuesWhenTheSameFileIsChosenAgain_WithoutANewUpload()
    {
        using var temp = new TempDirectory();
        var path = Path.Combine(temp.Path, "reloaded.mp4");
        await File.WriteAllBytesAsync(path, RandomNumberGenerator.GetBytes(8 * 1024 * 1024));
        var page = await portal.NewPageAsync();
        var cdp = await page.Context.NewCDPSessionAsync(page);
        await cdp.SendAsync("Network.enable");
        await Throttle(cdp, 1_000_000);
        await page.GotoAsync("/upload");
        await page.GetByTestId("upload-input").SetInputFilesAsync(path);
        await page.GetByTestId("upload-button").ClickAsync();
        await page.WaitForFunctionAsync("() => Number(document.querySelector('[data-testid=upload-item]')?.dataset.bytesSent ?? 0) > 1048576");

        await page.ReloadAsync();
        await Throttle(cdp, -1);
        await Assertions.Expect(page.GetByTestId("upload-unfinished")).ToContainTextAsync("reloaded.mp4");
        var methods = new List<string>();
        page.Request += (_, request) =>
        {
            if (request.Url.Contains("/api/uploads", StringComparison.Ordinal))
            {
                lock (methods)
                {
                    methods.Add(request.Method);
                }
            }
        };
        await page.GetByTestId("upload-input").SetInputFilesAsync(path);
        await page.GetByTestId("upload-button").ClickAsync();

        var item = page.GetByTestId("upload-item").First;
        await Assertions.Expect(item.GetByTestId("upload-state")).ToHaveTextAsync("uploaded", Slow);
        lock (methods)
        {
            Assert.DoesNotContain("POST", methods);
            Assert.Contains("HEAD", methods);
        }

        using var http = portal.CreateHttpClient();
        var video = await http.GetFromJsonAsync<JsonElement>(new Uri($"/api/videos/{await item.GetAttributeAsync("data-video-id")}", UriKind.Relative));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(path))), video.GetProperty("sha256").GetString());
        await Assertions.Expect(page.GetByTestId("upload-unfinished")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task ThePageReachedThroughTheNavigation_StillUploads()
    {
        var page = await portal.NewPageAsync();
        await page.GotoAsync("/");
        await page.WaitForFunctionAsync("() => window.Blazor !== undefined");

        await page.GetByRole(AriaRole.Link, new PageGetByRoleOptions { Name = "Upload", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new PageGetByRoleOptions { Name = "Upload videos" })).ToBeVisibleAsync();
        await page.GetByTestId("upload-input").SetInputFilesAsync(TestPaths.Video("tfjs_pose_1.mp4"));
        await page.GetByTestId("upload-button").ClickAsync();

        await Assertions.Expect(page.GetByTestId("upload-state").First).ToHaveTextAsync("uploaded", Slow);
    }

    private static Task Throttle(ICDPSession cdp, int bytesPerSecond) =>
        cdp.SendAsync("Network.emulateNetworkConditions", new Dictionary<string, object>
        {
            ["offline"] = false, ["latency"] = 0, ["downloadThroughput"] = -1, ["uploadThroughput"] = bytesPerSecond,
        });

    [Fact]
    public async Task AFileThatIsNoVideo_IsRefusedInTheBrowser_WithASentence()
    {
        using var temp = new TempDirectory();
        var path = Path.Combine(temp.Path, "notes.txt");
        await File.WriteAllTextAsync(path, "not a video");
        var page = await portal.NewPageAsync();
        await page.GotoAsync("/upload");

        await page.GetByTestId("upload-input").SetInputFilesAsync(path);
        await page.GetByTestId("upload-button").ClickAsync();

        await Assertions.Expect(page.GetByTestId("upload-state").First).ToContainTextAsync("refused: 'notes.txt' does not look like a video");
    }

    [Fact]
    public async Task SeveralFilesAtOnce_EachGetsItsRow_AndAllAreUploaded()
    {
        var page = await portal.NewPageAsync();
        await page.GotoAsync("/upload");

        await page.GetByTestId("upload-input").SetInputFilesAsync([TestPaths.Video("tfjs_pose_1.mp4"), TestPaths.Video("k400_arm_wrestling.mp4")]);
        await page.GetByTestId("upload-button").ClickAsync();

        await Assertions.Expect(page.GetByTestId("upload-item")).ToHaveCountAsync(2);
        await Assertions.Expect(page.GetByTestId("upload-state").Nth(0)).ToHaveTextAsync("uploaded", Slow);
        await Assertions.Expect(page.GetByTestId("upload-state").Nth(1)).ToHaveTextAsync("uploaded", Slow);
    }
}
