using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Data.Media;
using Portal.Jobs.Learning;

namespace Portal.EndToEndTests;

/// <summary>
/// The Models page in a real browser on a running portal: two versions registered for the signed-in user (a User),
/// one of them the base of a queued training (this portal's worker serves no training queue, so it stays queued and
/// keeps the version in use). The owner sees no default buttons and is refused, with the server's reason, when deleting
/// the version in use; an admin makes the other one the default and unsets it; deleting it then removes it.
/// </summary>
public sealed class ModelsPageTests(RunningPortal portal) : IClassFixture<RunningPortal>
{
    [Fact]
    public async Task AnAdminMakesAVersionTheDefaultAndUnsetsIt_AUserDoesNot_AndAVersionInUseIsKeptWithTheReason()
    {
        await RegisterAsync("page-model");
        await RegisterAsync("page-model");
        using var api = new PortalApi(portal);
        using (var training = await api.Http.PostAsJsonAsync(new Uri("/api/trainings", UriKind.Relative), new { baseModel = "page-model@1", name = "from-page-model", epochs = 1 }))
        {
            Assert.True(training.StatusCode == HttpStatusCode.Accepted, await training.Content.ReadAsStringAsync());
        }

        // The owner, a User: both versions with what they learned and who started them; delete, but no default buttons.
        var page = await portal.NewPageAsync();
        await page.GotoAsync("/");
        await page.GetByRole(AriaRole.Link, new() { Name = "Models", Exact = true }).ClickAsync();
        await page.WaitForURLAsync("**/models");
        await Assertions.Expect(page.Locator("[data-testid=model][data-model^='actions-coco2d@'] [data-testid=model-default]")).ToBeVisibleAsync();
        var inUse = Version(page, "page-model@1");
        var free = Version(page, "page-model@2");
        await Assertions.Expect(inUse.GetByTestId("version-started-by")).ToHaveTextAsync("you");
        await Assertions.Expect(inUse.GetByTestId("version-runs")).ToContainTextAsync("in use: 1 unfinished");
        await Assertions.Expect(free.GetByTestId("version-labels")).ToContainTextAsync("walk around");
        await Assertions.Expect(page.GetByTestId("version-make-default")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("version-unset-default")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("version-delete")).ToHaveCountAsync(2);

        await inUse.GetByTestId("version-delete").ClickAsync();
        await Assertions.Expect(page.GetByTestId("models-message")).ToContainTextAsync("page-model@1 is in use by 0 unfinished processing run(s) and 1 unfinished training(s)");
        await Assertions.Expect(Version(page, "page-model@1")).ToHaveCountAsync(1);

        // An admin makes the free one the default (then the owner still sees no button), and unsets it again.
        var admin = await portal.AddAccountAsync("models-admin@portal.test", admin: true);
        var adminPage = await portal.NewPageAsync(signedIn: false);
        await RunningPortal.SignInAsync(adminPage, admin);
        await adminPage.GotoAsync("/models");
        await Assertions.Expect(Version(adminPage, "page-model@1").GetByTestId("version-started-by")).ToHaveTextAsync(portal.Account.Email);
        await Version(adminPage, "page-model@2").GetByTestId("version-make-default").ClickAsync();
        await Assertions.Expect(adminPage.GetByTestId("models-message")).ToHaveTextAsync("page-model@2 is the default for new runs.");
        await Assertions.Expect(Version(adminPage, "page-model@2").GetByTestId("version-default")).ToBeVisibleAsync();
        await Assertions.Expect(adminPage.Locator("[data-testid=model] [data-testid=model-default]")).ToHaveCountAsync(0);

        // Opened again, not reloaded: the page's buttons are plain form posts, which a reload would send again.
        await page.GotoAsync("/models");
        await Assertions.Expect(Version(page, "page-model@2").GetByTestId("version-default")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("version-unset-default")).ToHaveCountAsync(0);
        await Version(page, "page-model@2").GetByTestId("version-delete").ClickAsync();
        await Assertions.Expect(page.GetByTestId("models-message")).ToContainTextAsync("page-model@2 is the default model");

        await Version(adminPage, "page-model@2").GetByTestId("version-unset-default").ClickAsync();
        await Assertions.Expect(adminPage.GetByTestId("models-message")).ToHaveTextAsync("New runs use the installed default again.");
        await Assertions.Expect(adminPage.GetByTestId("version-default")).ToHaveCountAsync(0);
        await Assertions.Expect(adminPage.Locator("[data-testid=model][data-model^='actions-coco2d@'] [data-testid=model-default]")).ToBeVisibleAsync();
        await adminPage.ScreenshotAsync(new PageScreenshotOptions { Path = RunningPortal.ScreenshotPath("models-page.png"), FullPage = true });

        // No longer the default and used by nothing: the owner's delete goes through and the version leaves the page.
        await page.GotoAsync("/models");
        await Version(page, "page-model@2").GetByTestId("version-delete").ClickAsync();
        await Assertions.Expect(page.GetByTestId("models-message")).ToHaveTextAsync("Deleted page-model@2.");
        await Assertions.Expect(Version(page, "page-model@2")).ToHaveCountAsync(0);
        await Assertions.Expect(Version(page, "page-model@1")).ToHaveCountAsync(1);
        Assert.Equal(["1"], await portal.ColumnAsync("""select "Version" from portal.model_versions where "Name" = 'page-model'"""));
    }

    private static ILocator Version(IPage page, string named) => page.Locator($"[data-testid=version][data-version='{named}']");

    /// <summary>The next version of <paramref name="name"/> for the signed-in account, in the running portal's database and media store.</summary>
    private async Task RegisterAsync(string name)
    {
        var options = new DbContextOptionsBuilder<PortalDbContext>();
        PortalDbContext.UsePostgres(options, portal.DatabaseConnectionString);
        await using var db = new PortalDbContext(options.Options);
        var owner = await db.Users.Where(u => u.Email == portal.Account.Email).Select(u => u.Id).SingleAsync();
        var versions = new ModelVersions(new LocalMediaStore(Options.Create(new MediaOptions { Root = portal.Media.Path })), TimeProvider.System);
        await RegisteredVersions.RegisterShippedAsync(versions, db, name, owner);
    }
}
