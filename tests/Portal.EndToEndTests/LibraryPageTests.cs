using System.Net.Http.Json;
using System.Text.RegularExpressions;

namespace Portal.EndToEndTests;

public sealed class LibraryPageTests(RunningPortal portal) : IClassFixture<RunningPortal>
{
    private static readonly LocatorAssertionsToHaveTextOptions Slow = new() { Timeout = 240_000 };

    [Fact]
    public async Task Library_FiltersByStatusLabelAndName_KeepsThemOnReload_AndDeletesAVideoAfterConfirmation()
    {
        using var temp = new TempDirectory();
        var broken = Path.Combine(temp.Path, "e2e-broken.mp4");
        await File.WriteAllTextAsync(broken, "plain text pretending to be a video");
        using var api = new PortalApi(portal);
        var walkId = await api.UploadAsync(TestPaths.Video("tfjs_pose_1.mp4"), "e2e-walk.mp4");
        var brokenId = await api.UploadAsync(broken, "e2e-broken.mp4");

        var page = await portal.NewPageAsync();
        await page.GotoAsync("/");
        await WaitUntilInteractiveAsync(page);
        var rows = page.GetByTestId("video-row");
        var walk = rows.Filter(new LocatorFilterOptions { HasText = "e2e-walk.mp4" });
        var brokenRow = rows.Filter(new LocatorFilterOptions { HasText = "e2e-broken.mp4" });
        await Assertions.Expect(walk.GetByTestId("video-status")).ToHaveTextAsync("Succeeded", Slow);
        await Assertions.Expect(brokenRow.GetByTestId("video-status")).ToHaveTextAsync("Failed", Slow);
        // The stage column says where a video stopped, and nothing once it went through every stage.
        await Assertions.Expect(brokenRow.GetByTestId("video-stage")).ToHaveTextAsync("probe");
        await Assertions.Expect(walk.GetByTestId("video-stage")).ToHaveTextAsync("");

        // Status: applied at once, in the address, kept on reload.
        await page.GetByTestId("library-filter-status").SelectOptionAsync("Failed");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex(@"/\?status=Failed$"));
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(brokenRow).ToHaveCountAsync(1);
        await page.ReloadAsync();
        await WaitUntilInteractiveAsync(page);
        await Assertions.Expect(page.GetByTestId("library-filter-status")).ToHaveValueAsync("Failed");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(brokenRow).ToHaveCountAsync(1);
        await page.GetByTestId("library-clear").ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(2);

        // File name: typed, applied with Enter.
        await page.GetByTestId("library-search").FillAsync("WALK");
        await page.GetByTestId("library-search").PressAsync("Enter");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex(@"/\?q=WALK$"));
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(walk).ToHaveCountAsync(1);
        await page.GetByTestId("library-clear").ClickAsync();

        // Action label: one of the walk clip's labels, chosen by keyboard.
        var timeline = await api.Http.GetFromJsonAsync<JsonElement>(new Uri($"/api/videos/{walkId}/timeline", UriKind.Relative));
        var label = timeline.GetProperty("tracks").EnumerateArray().SelectMany(t => t.GetProperty("segments").EnumerateArray())
            .Select(s => s.GetProperty("label").GetString()!).First();
        await Assertions.Expect(page.GetByTestId("library-filter-label").Locator($"option[value=\"{label}\"]")).ToHaveCountAsync(1);
        await page.GetByTestId("library-filter-label").FocusAsync();
        await page.GetByTestId("library-filter-label").SelectOptionAsync(label);
        await Assertions.Expect(page.GetByTestId("library-filter-label")).ToHaveValueAsync(label);
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(walk).ToHaveCountAsync(1);
        await page.GetByTestId("library-clear").ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(2);

        // Delete asks first, with the focus on keeping the video; Escape keeps it.
        await brokenRow.GetByTestId("video-delete").ClickAsync();
        await Assertions.Expect(brokenRow.GetByTestId("video-delete-confirmation")).ToContainTextAsync("cannot be undone");
        await Assertions.Expect(brokenRow.GetByTestId("video-delete-cancel")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(brokenRow.GetByTestId("video-delete-confirmation")).ToHaveCountAsync(0);
        await Assertions.Expect(brokenRow.GetByTestId("video-delete")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(brokenRow.GetByTestId("video-delete-confirm")).ToBeVisibleAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = RunningPortal.ScreenshotPath("library.png"), FullPage = true });
        await brokenRow.GetByTestId("video-delete-confirm").ClickAsync();

        await Assertions.Expect(brokenRow).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("library-message")).ToHaveTextAsync("Deleted “e2e-broken.mp4”.");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        using var gone = await api.Http.GetAsync(new Uri($"/api/videos/{brokenId}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.False(Directory.Exists(Path.Combine(portal.Media.Path, "videos", brokenId.ToString("N"), "source")));
    }

    /// <summary>The circuit is connected: before that the prerendered controls do nothing.</summary>
    private static Task WaitUntilInteractiveAsync(IPage page) =>
        Assertions.Expect(page.GetByTestId("library-filters")).ToHaveAttributeAsync("data-interactive", "true", new() { Timeout = 60_000 });
}

/// <summary>A portal that processes videos up to 5 seconds long.</summary>
public sealed class ShortVideosPortal : RunningPortal
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string> { ["Portal__Upload__MaxDurationSeconds"] = "5" };
}

public sealed class UploadDurationLimitTests(ShortVideosPortal portal) : IClassFixture<ShortVideosPortal>
{
    [Fact]
    public async Task AClipOverTheDurationLimit_IsRefusedInTheBrowser_BeforeAByteIsSent()
    {
        var page = await portal.NewPageAsync();
        await page.GotoAsync("/upload");
        await Assertions.Expect(page.GetByTestId("upload-limits")).ToContainTextAsync("5 s long");

        await page.GetByTestId("upload-input").SetInputFilesAsync([TestPaths.Video("basketball_two_people.mp4"), TestPaths.Video("tfjs_pose_1.mp4")]);
        await page.GetByTestId("upload-button").ClickAsync();

        var items = page.GetByTestId("upload-item");
        await Assertions.Expect(items.Filter(new LocatorFilterOptions { HasText = "basketball_two_people.mp4" }).GetByTestId("upload-state"))
            .ToHaveTextAsync("refused: 'basketball_two_people.mp4' lasts 10 s; videos up to 5 s long are accepted.");
        await Assertions.Expect(items.Filter(new LocatorFilterOptions { HasText = "tfjs_pose_1.mp4" }).GetByTestId("upload-state"))
            .ToHaveTextAsync("uploaded", new LocatorAssertionsToHaveTextOptions { Timeout = 60_000 });
        using var http = portal.CreateHttpClient();
        var videos = await http.GetFromJsonAsync<JsonElement>(new Uri("/api/videos", UriKind.Relative));
        Assert.Equal(["tfjs_pose_1.mp4"], videos.EnumerateArray().Select(v => v.GetProperty("fileName").GetString()));
    }
}
