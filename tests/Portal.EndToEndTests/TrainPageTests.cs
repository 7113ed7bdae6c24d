using System.Net.Http.Json;

namespace Portal.EndToEndTests;

/// <summary>A portal whose in-process worker also serves the training queue, with training/'s real trainer (PyTorch).</summary>
public sealed class TrainingPortal : RunningPortal
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Portal__Worker__Queues__0"] = "media",
        ["Portal__Worker__Queues__1"] = "inference",
        ["Portal__Worker__Queues__2"] = "default",
        ["Portal__Worker__Queues__3"] = "training",
        // One short clip gives a handful of windows; the shipped minimum (20) would refuse it.
        ["Portal__Training__MinWindows"] = "3",
    };
}

/// <summary>
/// The "Train a model" page in a real browser: an owner with no reviewed video is refused; after a clip is relabelled
/// and marked reviewed the page counts its windows (training/'s portal_actions.counts), starts a one-epoch training
/// with the real trainer, and shows the epoch line and the registered version as they come.
/// </summary>
public sealed class TrainPageTests(TrainingPortal portal) : IClassFixture<TrainingPortal>
{
    private const string NewLabel = "taught on the page";
    private static readonly LocatorAssertionsToBeVisibleOptions Slow = new() { Timeout = 240_000 };

    [Fact]
    public async Task TheTrainPage_CountsTheReviewedWindows_StartsATraining_AndShowsItsEpochLive()
    {
        var page = await portal.NewPageAsync();
        await page.GotoAsync("/");
        await page.GetByTestId("library-train").ClickAsync();
        await page.WaitForURLAsync("**/train");
        await portal.ExpectAsync(() => Assertions.Expect(page.GetByTestId("train-problem")).ToContainTextAsync("no reviewed tracks"));
        await Assertions.Expect(page.GetByTestId("train-start")).ToBeDisabledAsync();

        await ReviewedClipAsync();
        await page.ReloadAsync();
        var row = page.Locator($"[data-testid=train-label][data-label='{NewLabel}']");
        await Assertions.Expect(row).ToBeVisibleAsync(Slow);
        var windows = int.Parse((await row.GetByTestId("train-label-windows").TextContentAsync())!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(windows >= 3, $"{windows} windows of '{NewLabel}'");
        await Assertions.Expect(page.GetByTestId("train-start")).ToBeEnabledAsync();

        await page.GetByTestId("train-name").FillAsync("page-taught");
        await page.GetByTestId("train-epochs").FillAsync("1");
        await page.GetByTestId("train-start").ClickAsync();
        await Assertions.Expect(page.GetByTestId("train-epoch")).ToBeVisibleAsync(Slow);
        await Assertions.Expect(page.GetByTestId("train-epoch").First).ToContainTextAsync("1 / 1");
        await Assertions.Expect(page.GetByTestId("train-status")).ToContainTextAsync("registered as page-taught@1", new() { Timeout = 120_000 });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = RunningPortal.ScreenshotPath("train-page.png"), FullPage = true });

        // The registry on the Models page: the owner sees the new version and may delete it, but not choose the default.
        await page.GetByTestId("train-models").ClickAsync();
        await page.WaitForURLAsync("**/models");
        var version = page.Locator("[data-testid=version][data-version='page-taught@1']");
        await Assertions.Expect(version).ToBeVisibleAsync();
        await Assertions.Expect(version.GetByTestId("version-delete")).ToBeVisibleAsync();
        await Assertions.Expect(version.GetByTestId("version-make-default")).ToHaveCountAsync(0);

        // An admin makes it the default; then it cannot be deleted, and the owner's library preselects it for reprocessing.
        var admin = await portal.AddAccountAsync("train-admin@portal.test", admin: true);
        var adminPage = await portal.NewPageAsync(signedIn: false);
        await RunningPortal.SignInAsync(adminPage, admin);
        await adminPage.GotoAsync("/models");
        var adminRow = adminPage.Locator("[data-testid=version][data-version='page-taught@1']");
        await adminRow.GetByTestId("version-make-default").ClickAsync();
        await Assertions.Expect(adminRow.GetByTestId("version-default")).ToBeVisibleAsync();
        await adminRow.GetByTestId("version-delete").ClickAsync();
        await Assertions.Expect(adminPage.GetByTestId("models-message")).ToContainTextAsync("is the default model");

        await page.GotoAsync("/");
        var reprocessWith = page.GetByTestId("video-reprocess-model").First;
        await Assertions.Expect(reprocessWith).ToHaveValueAsync("page-taught@1");
        await Assertions.Expect(reprocessWith.Locator("option[value='page-taught@1']")).ToHaveCountAsync(1);

        // Back to the shipped default, then the delete goes through and the version leaves the page and the library.
        await adminRow.GetByTestId("version-unset-default").ClickAsync();
        await Assertions.Expect(adminRow.GetByTestId("version-default")).ToHaveCountAsync(0);
        await adminRow.GetByTestId("version-delete").ClickAsync();
        await Assertions.Expect(adminRow).ToHaveCountAsync(0);
        await Assertions.Expect(adminPage.GetByTestId("models-message")).ToHaveTextAsync("Deleted page-taught@1.");
        await page.ReloadAsync();
        await Assertions.Expect(page.GetByTestId("video-reprocess-model").First.Locator("option[value='page-taught@1']")).ToHaveCountAsync(0);
    }

    private Task ReviewedClipAsync() => ReviewedClipAsync(portal, NewLabel);

    /// <summary>A processed clip whose every segment is relabelled with <paramref name="label"/>, the whole video marked reviewed.</summary>
    internal static async Task ReviewedClipAsync(RunningPortal portal, string label)
    {
        using var api = new PortalApi(portal);
        var id = await api.UploadAsync(TestPaths.Video("tfjs_pose_1.mp4"));
        Assert.Equal("Succeeded", await api.WaitUntilFinishedAsync(id, TimeSpan.FromMinutes(4)));
        var timeline = await api.Http.GetFromJsonAsync<JsonElement>(new Uri($"/api/videos/{id}/timeline", UriKind.Relative));
        foreach (var track in timeline.GetProperty("tracks").EnumerateArray())
        {
            // Relabel until no segment has another label (a relabel may merge neighbours, so indices move).
            var segments = track.GetProperty("segments");
            while (segments.EnumerateArray().FirstOrDefault(s => s.GetProperty("label").GetString() != label) is { ValueKind: JsonValueKind.Object } segment)
            {
                using var relabel = await api.Http.PostAsJsonAsync(new Uri($"/api/videos/{id}/corrections", UriKind.Relative),
                    new { kind = "relabel", track = track.GetProperty("trackId").GetInt32(), segment = segment.GetProperty("index").GetInt32(), label });
                Assert.True(relabel.StatusCode == HttpStatusCode.OK, await relabel.Content.ReadAsStringAsync());
                segments = (await relabel.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("segments");
            }
        }

        using var mark = await api.Http.PostAsJsonAsync(new Uri($"/api/videos/{id}/reviews", UriKind.Relative), new { });
        Assert.Equal(HttpStatusCode.OK, mark.StatusCode);
    }
}
