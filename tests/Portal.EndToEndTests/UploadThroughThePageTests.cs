namespace Portal.EndToEndTests;

public sealed class UploadThroughThePageTests(RunningPortal portal) : IClassFixture<RunningPortal>
{
    private static readonly LocatorAssertionsToHaveTextOptions Slow = new() { Timeout = 240_000 };

    [Fact]
    public async Task UploadingAClipThroughThePage_ShowsItReachSucceeded_InTheOpenLibraryWithoutReload()
    {
        var library = await portal.NewPageAsync();
        await library.GotoAsync("/");
        // The library is interactive (a live circuit) before anything is uploaded.
        await library.WaitForFunctionAsync("() => window.Blazor !== undefined");
        await Task.Delay(1000);

        var upload = await portal.NewPageAsync();
        await upload.GotoAsync("/upload");
        await upload.GetByTestId("upload-input").SetInputFilesAsync(TestPaths.Video("k400_archery.avi"));
        await upload.ScreenshotAsync(new PageScreenshotOptions { Path = RunningPortal.ScreenshotPath("upload.png") });
        await upload.GetByTestId("upload-button").ClickAsync();
        await Assertions.Expect(upload.GetByTestId("upload-state").First).ToHaveTextAsync("uploaded", Slow);

        var row = library.GetByTestId("video-row").Filter(new LocatorFilterOptions { HasText = "k400_archery.avi" });
        await Assertions.Expect(row.GetByTestId("video-status")).ToHaveTextAsync("Succeeded", Slow);
        await Assertions.Expect(row).ToContainTextAsync("5.2 s");
        await Assertions.Expect(row).ToContainTextAsync("320×240");
    }

    [Fact]
    public async Task UploadingABadFile_ShowsFailed_WithTheReason()
    {
        using var temp = new TempDirectory();
        var path = Path.Combine(temp.Path, "not-a-video.mp4");
        await File.WriteAllTextAsync(path, "plain text pretending to be a video");
        var page = await portal.NewPageAsync();
        await page.GotoAsync("/upload");

        await page.GetByTestId("upload-input").SetInputFilesAsync(path);
        await page.GetByTestId("upload-button").ClickAsync();
        await Assertions.Expect(page.GetByTestId("upload-state").First).ToHaveTextAsync("uploaded", Slow);
        await page.GotoAsync("/");

        var row = page.GetByTestId("video-row").Filter(new LocatorFilterOptions { HasText = "not-a-video.mp4" });
        await Assertions.Expect(row.GetByTestId("video-status")).ToHaveTextAsync("Failed", Slow);
        await Assertions.Expect(row.GetByTestId("video-error")).ToContainTextAsync("not a video");
    }
}
