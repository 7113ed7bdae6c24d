using System.Globalization;

namespace Portal.EndToEndTests;

public sealed class ReviewPageTests(RunningPortal portal) : IClassFixture<RunningPortal>
{
    private static readonly LocatorAssertionsToHaveTextOptions Slow = new() { Timeout = 300_000 };

    /// <summary>Uploads a shared clip through the upload page and waits in the library until it has Succeeded.</summary>
    internal static async Task<(ILocator Row, string? Id)> UploadUntilSucceededAsync(IPage page, string clip)
    {
        await page.GotoAsync("/upload");
        await page.GetByTestId("upload-input").SetInputFilesAsync(TestPaths.Video(clip));
        await page.GetByTestId("upload-button").ClickAsync();
        await Assertions.Expect(page.GetByTestId("upload-state").First).ToHaveTextAsync("uploaded", Slow);
        var id = await page.GetByTestId("upload-item").First.GetAttributeAsync("data-video-id");
        await page.GotoAsync("/");
        var row = page.Locator($"[data-testid=video-row][data-video-id='{id}']");
        await Assertions.Expect(row.GetByTestId("video-status")).ToHaveTextAsync("Succeeded", Slow);
        return (row, id);
    }

    [Fact]
    public async Task ReviewingAnUploadedClip_DrawsTheOverlay_SeeksToASegment_AndARelabelReachesTheCsvExport()
    {
        var page = await portal.NewPageAsync();
        var (row, _) = await UploadUntilSucceededAsync(page, "basketball_two_people.mp4");

        await row.GetByTestId("review-link").ClickAsync();
        await page.WaitForURLAsync("**/videos/*");
        var review = new ReviewPage(page);
        await review.WaitUntilReadyAsync();
        Assert.True(await review.Segments.CountAsync() > 0, "no segments on the timeline");

        // The overlay draws skeletons, and what it draws changes while the video plays.
        // Polled rather than timed: on a loaded machine playback can stall for a moment.
        await review.PlayAsync();
        var before = await review.OverlayFingerprintAsync();
        var after = before;
        var painted = before.Painted;
        for (var deadline = DateTime.UtcNow.AddSeconds(20); (after.Hash == before.Hash || painted == 0) && DateTime.UtcNow < deadline;)
        {
            await page.WaitForTimeoutAsync(250);
            after = await review.OverlayFingerprintAsync();
            painted = Math.Max(painted, after.Painted);
        }

        await review.PauseAsync();
        Assert.True(painted > 0, "the overlay drew nothing while playing");
        Assert.NotEqual(before.Hash, after.Hash);

        // Clicking a segment seeks to its start, within one frame.
        var segment = await review.LatestSegmentAsync();
        var start = double.Parse((await segment.GetAttributeAsync("data-seek"))!, CultureInfo.InvariantCulture);
        await segment.ClickAsync();
        await review.WaitForSeekAsync();
        var frame = 1 / await review.FpsAsync();
        Assert.InRange(await review.CurrentTimeAsync(), start - frame, start + frame);

        // Keyboard: "p" goes back to the previous segment start, "n" forward to the next one.
        await page.Keyboard.PressAsync("p");
        await review.WaitForSeekAsync();
        var previous = await review.CurrentTimeAsync();
        Assert.True(previous < start, $"p stayed at {previous}");
        await page.Keyboard.PressAsync("n");
        await review.WaitForSeekAsync();
        var next = await review.CurrentTimeAsync();
        Assert.InRange(next, previous + 0.001, start + frame);
        await page.Keyboard.PressAsync(".");
        await review.WaitForSeekAsync();
        Assert.InRange(await review.CurrentTimeAsync() - next, 0.5 * frame, 1.5 * frame);
        await segment.ClickAsync();
        await review.WaitForSeekAsync();

        // Relabel it: the timeline shows the new label and the CSV export serves it.
        await Assertions.Expect(page.GetByTestId("segment-label-edit")).ToBeVisibleAsync();
        await page.GetByTestId("segment-label-edit").FillAsync("e2e-corrected");
        await page.GetByTestId("segment-relabel").ClickAsync();
        await Assertions.Expect(review.Segments.Filter(new LocatorFilterOptions { HasText = "e2e-corrected" })).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByTestId("correction-history")).ToContainTextAsync("1 correction");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = RunningPortal.ScreenshotPath("review.png"), FullPage = true });

        var csvLink = await page.GetByTestId("export-csv").GetAttributeAsync("href");
        var csv = await (await page.APIRequest.GetAsync(csvLink!)).TextAsync();
        Assert.Contains(",e2e-corrected,", csv, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoReviewersRelabellingAtOnce_TheSecondIsToldAndSeesTheFirstsChange_InsteadOfOverwritingIt()
    {
        var (_, id) = await UploadUntilSucceededAsync(await portal.NewPageAsync(), "tfjs_pose_1.mp4");

        // Both open the review before either saves.
        var first = await portal.NewPageAsync();
        var second = await portal.NewPageAsync();
        foreach (var page in new[] { first, second })
        {
            await page.GotoAsync($"/videos/{id}");
            await new ReviewPage(page).WaitUntilInteractiveAsync();
            await new ReviewPage(page).Segments.First.ClickAsync();
            await Assertions.Expect(page.GetByTestId("segment-label-edit")).ToBeVisibleAsync();
        }

        await first.GetByTestId("segment-label-edit").FillAsync("first-reviewer");
        await first.GetByTestId("segment-relabel").ClickAsync();
        await Assertions.Expect(new ReviewPage(first).Segments.Filter(new LocatorFilterOptions { HasText = "first-reviewer" })).ToHaveCountAsync(1);

        await second.GetByTestId("segment-label-edit").FillAsync("second-reviewer");
        await second.GetByTestId("segment-relabel").ClickAsync();
        await Assertions.Expect(second.GetByTestId("correction-error")).ToContainTextAsync("Someone else changed these segments");
        await Assertions.Expect(new ReviewPage(second).Segments.Filter(new LocatorFilterOptions { HasText = "first-reviewer" })).ToHaveCountAsync(1);
        await Assertions.Expect(new ReviewPage(second).Segments.Filter(new LocatorFilterOptions { HasText = "second-reviewer" })).ToHaveCountAsync(0);
        await Assertions.Expect(second.GetByTestId("correction-history")).ToContainTextAsync("1 correction");
    }

    /// <summary>The review page as a test sees it.</summary>
    private sealed class ReviewPage(IPage page)
    {
        public ILocator Segments => page.GetByTestId("timeline-segment");

        /// <summary>Interactive (review.js attached: it places the playhead) and the first frame decoded.</summary>
        public async Task WaitUntilReadyAsync()
        {
            await WaitUntilInteractiveAsync();
            await page.WaitForFunctionAsync("() => document.querySelector('[data-testid=review-video]')?.readyState >= 2", null, new() { Timeout = 30_000 });
        }

        /// <summary>Interactive: review.js is attached (it places the playhead), so clicks reach the circuit.</summary>
        public async Task WaitUntilInteractiveAsync()
        {
            await Assertions.Expect(page.GetByTestId("timeline")).ToBeVisibleAsync();
            // 60 s as for the library: at a load average of 16 a circuit once took more than 30 s to attach.
            await page.WaitForFunctionAsync("() => (document.querySelector('[data-testid=playhead]')?.style.left ?? '') !== ''", null, new() { Timeout = 60_000 });
        }

        public Task PlayAsync() => page.EvaluateAsync("() => document.querySelector('[data-testid=review-video]').play()");

        public Task PauseAsync() => page.EvaluateAsync("() => document.querySelector('[data-testid=review-video]').pause()");

        public Task<double> CurrentTimeAsync() => page.EvaluateAsync<double>("() => document.querySelector('[data-testid=review-video]').currentTime");

        public Task<double> FpsAsync() => page.EvaluateAsync<double>("() => parseFloat(document.querySelector('[data-testid=review]').dataset.fps)");

        public Task WaitForSeekAsync() =>
            page.WaitForFunctionAsync("() => { const v = document.querySelector('[data-testid=review-video]'); return !v.seeking && v.readyState >= 2; }");

        /// <summary>The segment that starts latest, so that seeking to it moves the video a long way.</summary>
        public async Task<ILocator> LatestSegmentAsync()
        {
            var starts = await Segments.EvaluateAllAsync<double[]>("all => all.map(s => parseFloat(s.dataset.seek))");
            return Segments.Nth(Array.IndexOf(starts, starts.Max()));
        }

        public async Task<(int Painted, long Hash)> OverlayFingerprintAsync()
        {
            var result = await page.EvaluateAsync<long[]>("""
                () => {
                    const c = document.querySelector('[data-testid=overlay-canvas]');
                    if (!c.width || !c.height) return [0, 0];
                    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                    let painted = 0, hash = 0;
                    for (let i = 3; i < data.length; i += 4) {
                        if (data[i] > 0) { painted++; hash = (hash * 31 + (i >> 2) + data[i - 1] + data[i - 2] * 7) % 2147483647; }
                    }
                    return [painted, hash];
                }
                """);
            return ((int)result[0], result[1]);
        }
    }
}
