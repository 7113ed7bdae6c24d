namespace Portal.EndToEndTests;

/// <summary>Accounts in a real browser: the sign-in page, a user's own upload and review, and someone else's id.</summary>
public sealed class SignInPageTests(RunningPortal portal) : IClassFixture<RunningPortal>
{
    [Fact]
    public async Task AUserSignsIn_UploadsAndReviews_AndAnotherUserGets404ForThatVideo()
    {
        // Not signed in: the library sends the browser to the sign-in page.
        var page = await portal.NewPageAsync(signedIn: false);
        await page.GotoAsync("/");
        await page.WaitForURLAsync("**/account/signin?ReturnUrl=*");

        var wrong = portal.Account with { Password = "not-the-password" };
        await page.GetByTestId("signin-email").FillAsync(wrong.Email);
        await page.GetByTestId("signin-password").FillAsync(wrong.Password);
        await page.GetByTestId("signin-submit").ClickAsync();
        await Assertions.Expect(page.GetByTestId("signin-error")).ToBeVisibleAsync();

        await RunningPortal.SignInAsync(page, portal.Account);
        var (row, id) = await ReviewPageTests.UploadUntilSucceededAsync(page, "tfjs_pose_1.mp4");
        await row.GetByTestId("review-link").ClickAsync();
        await page.WaitForURLAsync($"**/videos/{id}");
        await Assertions.Expect(page.GetByTestId("review")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("timeline-segment").First).ToBeVisibleAsync();

        // Someone else, signed in, finds no such video: the page and its files answer 404.
        var other = await portal.AddAccountAsync($"other-{Guid.NewGuid():N}@portal.test");
        var otherPage = await portal.NewPageAsync(signedIn: false);
        await RunningPortal.SignInAsync(otherPage, other);
        var review = await otherPage.GotoAsync($"/videos/{id}");
        Assert.Equal((int)HttpStatusCode.NotFound, review!.Status);
        await Assertions.Expect(otherPage.GetByTestId("review")).ToHaveCountAsync(0);
        var proxy = await otherPage.GotoAsync($"/api/videos/{id}/proxy.mp4");
        Assert.Equal((int)HttpStatusCode.NotFound, proxy!.Status);
        await Assertions.Expect(otherPage.GetByTestId("video-row")).ToHaveCountAsync(0);

        // Signing out ends the session: the library asks to sign in again.
        await page.GotoAsync("/");
        await page.GetByTestId("signout").ClickAsync();
        await page.WaitForURLAsync("**/account/signin");
        await page.GotoAsync("/");
        await page.WaitForURLAsync("**/account/signin?ReturnUrl=*");
    }
}
