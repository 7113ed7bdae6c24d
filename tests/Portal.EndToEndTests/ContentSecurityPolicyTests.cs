namespace Portal.EndToEndTests;

/// <summary>
/// The pages work under the portal's Content-Security-Policy in a real Chromium: Blazor's circuit connects, the upload
/// and review scripts run, and the browser reports no violation on any page, the admin console and jobs dashboard included.
/// </summary>
public sealed class ContentSecurityPolicyTests(RunningPortal portal) : IClassFixture<RunningPortal>
{
    [Fact]
    public async Task Library_Upload_Review_AndJobsDashboard_RunWithoutAPolicyViolation()
    {
        var page = await portal.NewPageAsync();
        var violations = new List<string>();
        Watch(page, violations);

        var (row, _) = await ReviewPageTests.UploadUntilSucceededAsync(page, "tfjs_pose_1.mp4");

        AssertNone(violations);

        await row.GetByTestId("review-link").ClickAsync();
        await page.WaitForURLAsync("**/videos/*");
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        AssertNone(violations);
        // A re-render may replace the element while play() is pending; the point is the media request under the policy.
        await page.GetByTestId("review-video").EvaluateAsync("video => video.play().catch(() => {})");
        await page.WaitForTimeoutAsync(1000);
        AssertNone(violations);

        // The jobs dashboard and the console are for admins only.
        var admin = await portal.AddAccountAsync($"admin-{Guid.NewGuid():N}@portal.test", admin: true);
        var adminPage = await portal.NewPageAsync(signedIn: false);
        Watch(adminPage, violations);
        await RunningPortal.SignInAsync(adminPage, admin);
        await adminPage.GotoAsync("/admin/jobs");
        await Assertions.Expect(adminPage.Locator("body")).ToContainTextAsync("Portal jobs");
        await adminPage.GotoAsync("/admin");
        await adminPage.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await adminPage.WaitForTimeoutAsync(500);
        AssertNone(violations);
    }

    private static void Watch(IPage page, List<string> violations) =>
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                lock (violations)
                {
                    violations.Add($"{page.Url}: {message.Text}");
                }
            }
        };

    private static void AssertNone(List<string> violations)
    {
        lock (violations)
        {
            Assert.True(violations.Count == 0, string.Join('\n', violations));
        }
    }
}
