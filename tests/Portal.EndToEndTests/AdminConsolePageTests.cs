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

    [Fact]
    public async Task AnAdminSeesAUsersUnfinishedUpload_AndDeletesItWithTheConsolesButton_WhichIsAudited()
    {
        // The plain account starts a resumable upload of 1000 bytes and sends 300 of them.
        using var api = new PortalApi(portal);
        using var create = new HttpRequestMessage(HttpMethod.Post, "/api/uploads");
        create.Headers.Add("Tus-Resumable", "1.0.0");
        create.Headers.Add("Upload-Length", "1000");
        create.Headers.Add("Upload-Metadata", "filename " + Convert.ToBase64String("left-half-way.mp4"u8.ToArray()));
        using var created = await api.Http.SendAsync(create);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var location = created.Headers.Location!.OriginalString;
        var id = location.Split('/').Last();
        using var patch = new HttpRequestMessage(HttpMethod.Patch, location) { Content = new ByteArrayContent(new byte[300]) };
        patch.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/offset+octet-stream");
        patch.Headers.Add("Tus-Resumable", "1.0.0");
        patch.Headers.Add("Upload-Offset", "0");
        Assert.Equal(HttpStatusCode.NoContent, (await api.Http.SendAsync(patch)).StatusCode);

        var admin = await portal.AddAccountAsync($"admin-{Guid.NewGuid():N}@portal.test", admin: true);
        var page = await portal.NewPageAsync(signedIn: false);
        await RunningPortal.SignInAsync(page, admin);
        await page.GotoAsync("/admin");
        var row = page.Locator($"[data-testid=upload-row][data-upload='{id}']");
        await Assertions.Expect(row).ToBeVisibleAsync();
        await Assertions.Expect(row).ToHaveAttributeAsync("data-offset", "300");
        await Assertions.Expect(row.GetByTestId("upload-owner")).ToHaveTextAsync(portal.Account.Email);

        // A click on the prerendered page, before the circuit is live, would be lost.
        await Assertions.Expect(page.GetByTestId("console-title")).ToHaveAttributeAsync("data-interactive", "true", new() { Timeout = 60_000 });
        await row.GetByTestId("upload-delete").ClickAsync();

        await Assertions.Expect(page.GetByTestId("console-message")).ToContainTextAsync("was deleted");
        await Assertions.Expect(row).ToHaveCountAsync(0);
        using var head = new HttpRequestMessage(HttpMethod.Head, location);
        head.Headers.Add("Tus-Resumable", "1.0.0");
        Assert.Equal(HttpStatusCode.NotFound, (await api.Http.SendAsync(head)).StatusCode);
        // The id is 32 hex digits (checked by the server), so it can stand in the SQL as it is.
        var audited = await portal.ColumnAsync($"""select "ActorEmail" from portal.audit_log where "Action" = 'upload.deleted' and "TargetId" = '{id}'""");
        Assert.Equal([admin.Email], audited);
    }
}
