namespace Portal.EndToEndTests;

/// <summary>The admin console in a real browser on the running portal: an admin sees a user's video at work; a user sees no console.</summary>
public sealed class AdminConsolePageTests(RunningPortal portal) : IClassFixture<RunningPortal>
{
    private static readonly LocatorAssertionsToBeVisibleOptions Slow = new() { Timeout = 120_000 };

    [Fact]
    public async Task AnAdminSeesAVideosJob_WithItsQueueAndWorker_AndAUserGets404()
    {
        // The plain account (a User) is refused the console and Hangfire's dashboard.
        var userPage = await portal.NewPageAsync();
        Assert.Equal((int)HttpStatusCode.NotFound, (await userPage.GotoAsync("/admin"))!.Status);
        Assert.Equal((int)HttpStatusCode.NotFound, (await userPage.GotoAsync("/admin/jobs"))!.Status);

        var admin = await portal.AddAccountAsync($"admin-{Guid.NewGuid():N}@portal.test", admin: true);
        var page = await portal.NewPageAsync(signedIn: false);
        await RunningPortal.SignInAsync(page, admin);
        await page.GotoAsync("/admin");
        await Assertions.Expect(page.Locator("[data-testid=queue-row][data-queue=inference]")).ToBeVisibleAsync();

        // The user's upload shows up on the already open console (it refreshes itself) while a stage runs.
        using var api = new PortalApi(portal);
        var id = await api.UploadAsync(TestPaths.Video("one-by-one-person-detection.mp4"));
        var row = page.Locator($"[data-testid=running-row][data-video='{id}']");
        await Assertions.Expect(row).ToBeVisibleAsync(Slow);
        await Assertions.Expect(row.GetByTestId("running-queue")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^(media|inference)$"));
        var worker = await row.GetByTestId("running-worker").TextContentAsync();
        await Assertions.Expect(page.GetByTestId("worker-row").Filter(new LocatorFilterOptions { HasText = worker })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("worker-provider").First).ToContainTextAsync("CPU");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = RunningPortal.ScreenshotPath("admin-console.png"), FullPage = true });

        var dashboard = await page.GotoAsync("/admin/jobs");
        Assert.Equal((int)HttpStatusCode.OK, dashboard!.Status);
        await Assertions.Expect(page.Locator("body")).ToContainTextAsync("Portal jobs");
    }
}
