using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Web.Accounts;

namespace Portal.IntegrationTests;

/// <summary>The audit log on the real host: what the product writes, with whose name, and who may read it.</summary>
[Collection(IntegrationCollection.Name)]
public sealed class AuditLogTests(PortalApp app) : IClassFixture<PortalApp>
{
    [Fact]
    public async Task FailedSignIn_TokenCreation_AndVideoDelete_AreLoggedWithTheirActor_AndOnlyAdminsReadTheLog()
    {
        var user = await app.AddAccountAsync($"audit-{Guid.NewGuid():N}@portal.test");

        // A wrong password on the real sign-in form: the page says so, and the log has the attempt with the account.
        using (var browser = CookieSignIn.CreateBrowserClient(app))
        using (var failed = await CookieSignIn.PostSignInAsync(browser, user.Email, "not the password at all"))
        {
            Assert.Equal(HttpStatusCode.OK, failed.StatusCode);
            Assert.Contains("signin-error", await failed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // AddAccountAsync made a token as the command line does; the user then deletes an upload through the API.
        using var asUser = app.CreateClient(user);
        VideoDto? own;
        await using (var file = File.OpenRead(TestPaths.Video("k400_archery.avi")))
        using (var content = new MultipartFormDataContent { { new StreamContent(file), "file", "archery.avi" } })
        using (var uploaded = await asUser.PostAsync(new Uri("/api/videos", UriKind.Relative), content))
        {
            Assert.Equal(HttpStatusCode.Created, uploaded.StatusCode);
            own = await uploaded.Content.ReadFromJsonAsync<VideoDto>(PortalApp.Json);
        }

        Assert.NotNull(own);
        Assert.Equal(HttpStatusCode.NoContent, (await asUser.DeleteAsync(new Uri($"/api/videos/{own.Id}", UriKind.Relative))).StatusCode);

        var lines = await LinesAsync(user.Id, user.Email);
        var signIn = Assert.Single(lines, l => l.Action == AuditActions.SignInFailed);
        Assert.Equal(user.Id, signIn.ActorId);
        Assert.Equal(user.Email, signIn.ActorEmail);
        Assert.Equal("wrong password or disabled", signIn.Detail);
        var token = Assert.Single(lines, l => l.Action == AuditActions.TokenCreated);
        Assert.Equal(user.Email, token.ActorEmail);
        Assert.Equal("token", token.TargetType);
        var deleted = Assert.Single(lines, l => l.Action == AuditActions.VideoDeleted);
        Assert.Equal((user.Id, user.Email, "video", own.Id.ToString()), (deleted.ActorId, deleted.ActorEmail, deleted.TargetType, deleted.TargetId));

        // A user gets 404 for the page; an admin reads it, filtered to the user's sign-in failures.
        using var asUserPage = await asUser.GetAsync(new Uri("/admin/audit", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, asUserPage.StatusCode);
        var admin = await app.AddAccountAsync($"audit-admin-{Guid.NewGuid():N}@portal.test", admin: true);
        using var asAdmin = app.CreateClient(admin);
        var page = await asAdmin.GetStringAsync(new Uri($"/admin/audit?action={AuditActions.SignInFailed}&actor={Uri.EscapeDataString(user.Email)}", UriKind.Relative));
        Assert.Equal(1, CountRows(page));
        Assert.Contains(user.Email, page, StringComparison.Ordinal);
        var all = await asAdmin.GetStringAsync(new Uri($"/admin/audit?actor={Uri.EscapeDataString(user.Email)}", UriKind.Relative));
        Assert.Equal(lines.Count, CountRows(all));
    }

    private static int CountRows(string html) => html.Split("data-testid=\"audit-row\"").Length - 1;

    private async Task<List<AuditEntry>> LinesAsync(string actorId, string email)
    {
        await using var scope = app.Services.CreateAsyncScope();
        await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        return await db.AuditLog.AsNoTracking().Where(e => e.ActorId == actorId || e.ActorEmail == email).OrderBy(e => e.Id).ToListAsync();
    }
}
