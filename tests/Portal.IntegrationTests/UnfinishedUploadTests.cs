using Microsoft.EntityFrameworkCore;
using Portal.Web.Accounts;
using Portal.Web.Uploads;

namespace Portal.IntegrationTests;

/// <summary>
/// Unfinished resumable uploads as the server lists them: an admin sees everyone's on the console with the owner's
/// e-mail and offset and may delete one (audited); a user sees their own on the upload page and the API, never another's.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class UnfinishedUploadTests(PortalApp app) : IClassFixture<PortalApp>
{
    [Fact]
    public async Task AnUnfinishedUpload_IsListedForItsOwnerAndAdmins_AndNotForAnotherUser()
    {
        var a = await app.AddAccountAsync($"a-{Guid.NewGuid():N}@portal.test");
        var b = await app.AddAccountAsync($"b-{Guid.NewGuid():N}@portal.test");
        var admin = await app.AddAccountAsync($"admin-{Guid.NewGuid():N}@portal.test", admin: true);
        using var asA = app.CreateClient(a);
        using var asB = app.CreateClient(b);
        using var asAdmin = app.CreateClient(admin);
        var location = await TusUploadProtocolTests.CreateAsync(asA, 1000, "half-sent.mp4", "video/mp4");
        using (var patch = await TusUploadProtocolTests.PatchAsync(asA, location, 0, new byte[400]))
        {
            Assert.Equal(HttpStatusCode.NoContent, patch.StatusCode);
        }

        var id = location.Split('/').Last();

        // A: through the API and on the upload page (what any of A's browsers gets).
        var mine = Assert.Single(await asA.GetFromJsonAsync<List<UnfinishedUploadDto>>(new Uri("/api/uploads", UriKind.Relative), PortalApp.Json) ?? []);
        Assert.Equal((id, a.Email, "half-sent.mp4", 1000L, 400L), (mine.Id, mine.OwnerEmail, mine.FileName, mine.Length, mine.Offset));
        Assert.True(mine.ExpiresAt > DateTimeOffset.UtcNow, $"expires {mine.ExpiresAt}");
        Assert.Contains($"data-upload=\"{id}\" data-offset=\"400\"", await asA.GetStringAsync(new Uri("/upload", UriKind.Relative)), StringComparison.Ordinal);

        // The admin's console lists it with A's e-mail and the offset.
        var console = await asAdmin.GetStringAsync(new Uri("/admin", UriKind.Relative));
        var row = RowOf(console, id);
        Assert.Contains("data-offset=\"400\"", row, StringComparison.Ordinal);
        Assert.Contains(a.Email, row, StringComparison.Ordinal);

        // B: not in the list, not on the page, and the upload itself answers 404.
        Assert.DoesNotContain(await asB.GetFromJsonAsync<List<UnfinishedUploadDto>>(new Uri("/api/uploads", UriKind.Relative), PortalApp.Json) ?? [], u => u.Id == id);
        Assert.DoesNotContain(id, await asB.GetStringAsync(new Uri("/upload", UriKind.Relative)), StringComparison.Ordinal);
        using (var delete = new HttpRequestMessage(HttpMethod.Delete, location))
        {
            delete.Headers.Add("Tus-Resumable", "1.0.0");
            Assert.Equal(HttpStatusCode.NotFound, (await asB.SendAsync(delete)).StatusCode);
        }

        await using var scope = app.Services.CreateAsyncScope();
        var uploads = scope.ServiceProvider.GetRequiredService<UnfinishedUploads>();
        Assert.Equal(CommandOutcome.NotFound, await uploads.DeleteAsync(new Caller(b.Id, IsAdmin: false), id, CancellationToken.None));

        // The admin's delete (the console's button calls this) removes it, and the audit log says who and whose.
        Assert.Equal(CommandOutcome.Done, await uploads.DeleteAsync(new Caller(admin.Id, IsAdmin: true), id, CancellationToken.None));
        Assert.Empty(await asA.GetFromJsonAsync<List<UnfinishedUploadDto>>(new Uri("/api/uploads", UriKind.Relative), PortalApp.Json) ?? []);
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<Portal.Data.PortalDbContext>>().CreateDbContextAsync();
        var line = await db.AuditLog.SingleAsync(e => e.Action == AuditActions.UploadDeleted && e.TargetId == id);
        Assert.Equal((admin.Id, admin.Email), (line.ActorId, line.ActorEmail));
        Assert.Contains(a.Email, line.Detail, StringComparison.Ordinal);
        Assert.Contains("400 of 1000", line.Detail, StringComparison.Ordinal);
    }

    private static string RowOf(string html, string uploadId)
    {
        var start = html.IndexOf($"data-upload=\"{uploadId}\"", StringComparison.Ordinal);
        Assert.True(start >= 0, "the console does not list the upload");
        return html[start..html.IndexOf("</tr>", start, StringComparison.Ordinal)];
    }

    private sealed record Caller(string OwnerId, bool IsAdmin) : ICurrentUser;
}
