using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Portal.Web.Accounts;

namespace Portal.IntegrationTests;

/// <summary>
/// Every route the app has, from its EndpointDataSource, against one table: user B asks for user A's resources and gets
/// 404 (never 403, never data); an anonymous caller gets 401 on the API and the sign-in page in the browser. A route
/// that is in neither the table nor the short list of routes that hold nobody's data fails the test, so a new route
/// cannot ship without an owner check.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class OwnerIsolationTests(PortalApp app) : IClassFixture<PortalApp>
{
    /// <summary>Where a row's request goes: its route with A's ids filled in.</summary>
    private sealed record Ids(Guid Video, string Upload, Guid Training, Guid ModelVersion);

    /// <summary>A route that serves or changes one owner's resource, and the request that asks for A's.</summary>
    private sealed record OwnedRoute(string Method, string Pattern, Func<Ids, string> Path, string? JsonBody = null);

    private static readonly OwnedRoute[] Owned =
    [
        new("GET", "/api/videos/{id:guid}", i => $"/api/videos/{i.Video}"),
        new("DELETE", "/api/videos/{id:guid}", i => $"/api/videos/{i.Video}"),
        new("GET", "/api/videos/{id:guid}/timeline", i => $"/api/videos/{i.Video}/timeline"),
        new("GET", "/api/videos/{id:guid}/timeline.json", i => $"/api/videos/{i.Video}/timeline.json"),
        new("GET", "/api/videos/{id:guid}/timeline.csv", i => $"/api/videos/{i.Video}/timeline.csv"),
        new("GET", "/api/videos/{id:guid}/timeline.vtt", i => $"/api/videos/{i.Video}/timeline.vtt"),
        new("GET", "/api/videos/{id:guid}/skeletons.json", i => $"/api/videos/{i.Video}/skeletons.json"),
        new("GET", "/api/videos/{id:guid}/corrections", i => $"/api/videos/{i.Video}/corrections"),
        new("POST", "/api/videos/{id:guid}/corrections", i => $"/api/videos/{i.Video}/corrections", """{"kind":"relabel","track":1,"index":0,"label":"stolen"}"""),
        new("GET", "/api/videos/{id:guid}/reviews", i => $"/api/videos/{i.Video}/reviews"),
        new("POST", "/api/videos/{id:guid}/reviews", i => $"/api/videos/{i.Video}/reviews", """{"track":1}"""),
        new("DELETE", "/api/videos/{id:guid}/reviews", i => $"/api/videos/{i.Video}/reviews?track=1"),
        new("GET", "/api/videos/{id:guid}/poses", i => $"/api/videos/{i.Video}/poses"),
        new("GET", "/api/videos/{id:guid}/attention", i => $"/api/videos/{i.Video}/attention"),
        new("GET", "/api/videos/{id:guid}/proxy.mp4", i => $"/api/videos/{i.Video}/proxy.mp4"),
        new("GET", "/api/videos/{id:guid}/keyframes/{track:int}/{segment:int}.png", i => $"/api/videos/{i.Video}/keyframes/1/0.png"),
        new("POST", "/api/videos/{id:guid}/cancel", i => $"/api/videos/{i.Video}/cancel"),
        new("POST", "/api/videos/{id:guid}/reprocess", i => $"/api/videos/{i.Video}/reprocess", "{}"),
        new("GET", "/api/trainings/{id:guid}", i => $"/api/trainings/{i.Training}"),
        new("POST", "/api/trainings/{id:guid}/cancel", i => $"/api/trainings/{i.Training}/cancel"),
        new("POST", "/api/models/versions/{id:guid}/default", i => $"/api/models/versions/{i.ModelVersion}/default"),
        new("DELETE", "/api/models/versions/{id:guid}", i => $"/api/models/versions/{i.ModelVersion}"),
        new("HEAD", "/api/uploads/{id}", i => $"/api/uploads/{i.Upload}"),
        new("PATCH", "/api/uploads/{id}", i => $"/api/uploads/{i.Upload}"),
        new("DELETE", "/api/uploads/{id}", i => $"/api/uploads/{i.Upload}"),
        new("GET", "/videos/{Id:guid}", i => $"/videos/{i.Video}"),
        new("GET", "/videos/{Id:guid}/timings", i => $"/videos/{i.Video}/timings"),
        new("GET", "/api/videos/{id:guid}/timings", i => $"/api/videos/{i.Video}/timings"),
    ];

    /// <summary>Routes that take no owner's id; each says why it needs no owner check (anonymous callers are still tested).</summary>
    private static readonly Dictionary<string, string> WithoutOwnedId = new()
    {
        ["GET /api/videos/"] = "lists the caller's own videos only (checked below: B's list lacks A's video)",
        ["GET /api/videos/labels"] = "labels of the caller's own videos only (checked below)",
        ["GET /api/datasets/reviewed"] = "the caller's own reviewed tracks; another owner's only for admins (ReviewedDatasetTests)",
        ["GET /api/trainings/"] = "the caller's own trainings (TrainingJobTests: B's list lacks A's)",
        ["POST /api/trainings/"] = "starts a training on the caller's own reviewed videos; naming another owner is 404 (TrainingJobTests)",
        ["POST /api/videos/"] = "uploads a new video owned by the caller",
        ["POST /api/uploads/"] = "starts a new resumable upload owned by the caller",
        ["GET /api/uploads/"] = "the caller's own unfinished uploads only (UnfinishedUploadTests: B's list lacks A's)",
        ["OPTIONS /api/uploads/"] = "tus capabilities, no data",
        ["OPTIONS /api/uploads/{id}"] = "tus capabilities, no data",
        ["GET /"] = "the library page: the caller's own videos (VideoCatalog with ICurrentUser)",
        ["GET /upload"] = "the upload page: a form",
        ["GET /api/models/versions/"] = "every registered version: any owner may reprocess with one (issue 15); no videos or data in it",
        ["DELETE /api/models/versions/default"] = "back to the shipped default: Admins only (ModelRegistryTests)",
        ["GET /models"] = "every registered version, as GET /api/models/versions; who trained one only as 'you' or, for an admin, the e-mail; run counts of the caller's own videos (checked below)",
        ["GET /train"] = "the train page: counts and trains on the caller's own reviewed videos (TrainingPreviews, TrainingCommands with ICurrentUser); another owner's only for admins",
        ["GET /account/tokens"] = "the caller's own tokens",
        ["GET /account/password"] = "the caller's own password",
        ["GET /admin/users"] = "Admins only (checked below)",
        ["GET /admin/audit"] = "the audit log: Admins only (AuditLogTests: a non-admin gets 404)",
        ["GET /admin"] = "the admin console: Admins only (AdminConsoleTests: a non-admin gets 404)",
        ["GET /metrics"] = "Prometheus metrics, counts without ids: Admins only (ObservabilityTests: a non-admin gets 404)",
        ["POST /account/signout"] = "ends the caller's own session",
    };

    /// <summary>Routes open to anonymous callers: signing in, health and the API description hold nobody's data.</summary>
    private static readonly HashSet<string> Anonymous =
        ["GET /account/signin", "GET /account/register", "GET /health", "GET /health/ready", "GET /openapi/{documentName}.json", "GET /not-found", "GET /Error"];

    [Fact]
    public async Task EveryRoute_AnswersUserB404_ForUserAsResources_AndAnonymous401OrSignIn()
    {
        var a = app.Owner;
        var b = await app.AddAccountAsync($"b-{Guid.NewGuid():N}@portal.test");
        var ids = new Ids(await ProcessedVideoAsync(), await StartUploadAsync(), await StartTrainingAsync(), await RegisterVersionAsync());
        using var asB = app.CreateClient(b);
        using var anonymous = app.CreateClient(account: null);
        var unknown = new List<string>();
        var failures = new List<string>();

        // Deletes last: if one wrongly succeeded, the other rows would still be asked about an existing video.
        foreach (var (method, pattern) in Routes().OrderBy(r => r.Method == "DELETE"))
        {
            var key = $"{method} {pattern}";
            var owned = Owned.FirstOrDefault(r => r.Method == method && r.Pattern == pattern);
            if (owned is null && !WithoutOwnedId.ContainsKey(key) && !Anonymous.Contains(key))
            {
                unknown.Add(key);
                continue;
            }

            if (owned is not null)
            {
                using var response = await SendAsync(asB, owned, ids);
                var body = await response.Content.ReadAsStringAsync();
                if (response.StatusCode != HttpStatusCode.NotFound || body.Contains(ids.Video.ToString(), StringComparison.OrdinalIgnoreCase))
                {
                    failures.Add($"{key} as B: {(int)response.StatusCode} {Shorten(body)}");
                }
            }

            if (!Anonymous.Contains(key))
            {
                var request = owned ?? new OwnedRoute(method, pattern, _ => pattern.Replace("{id}", ids.Upload, StringComparison.Ordinal));
                using var response = await SendAsync(anonymous, request, ids);
                var expected = pattern.StartsWith("/api", StringComparison.Ordinal) ? "401" : "302 to /account/signin";
                var got = response.StatusCode == HttpStatusCode.Redirect
                    ? $"302 to {response.Headers.Location?.AbsolutePath}"
                    : ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (got != expected)
                {
                    failures.Add($"{key} anonymous: {got}, expected {expected}");
                }
            }
        }

        Assert.True(unknown.Count == 0 && failures.Count == 0,
            $"Routes without an entry in the owner table (add each with its owner check): [{string.Join(", ", unknown)}]\nWrong answers:\n{string.Join("\n", failures)}");

        // What B may list holds nothing of A's; A still has everything B tried to change or delete.
        var bList = await asB.GetFromJsonAsync<List<VideoDto>>("/api/videos", PortalApp.Json);
        Assert.DoesNotContain(bList!, v => v.Id == ids.Video);
        Assert.Empty((await asB.GetFromJsonAsync<List<string>>("/api/videos/labels"))!);
        var video = await app.GetVideoAsync(ids.Video);
        Assert.Equal(VideoStatus.Succeeded, video.Status);
        using var aClient = app.CreateClient(a);
        Assert.DoesNotContain("stolen", await aClient.GetStringAsync(new Uri($"/api/videos/{ids.Video}/timeline.csv", UriKind.Relative)), StringComparison.Ordinal);
        using var head = new HttpRequestMessage(HttpMethod.Head, $"/api/uploads/{ids.Upload}") { Headers = { { "Tus-Resumable", "1.0.0" } } };
        Assert.Equal(HttpStatusCode.OK, (await aClient.SendAsync(head)).StatusCode);

        // A non-admin gets no admin page; an admin sees A's video too.
        using var usersPage = await asB.GetAsync(new Uri("/admin/users", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, usersPage.StatusCode);
        var admin = await app.AddAccountAsync($"admin-{Guid.NewGuid():N}@portal.test", admin: true);
        using var asAdmin = app.CreateClient(admin);
        Assert.Equal(HttpStatusCode.OK, (await asAdmin.GetAsync(new Uri($"/api/videos/{ids.Video}", UriKind.Relative))).StatusCode);

        // The Models page lists A's version to B, but not who trained it, no button to delete it, and neither A's run
        // nor A's queued training with the shipped model; an admin sees A's e-mail, A's run and A's training.
        var modelsForB = await asB.GetStringAsync(new Uri("/models", UriKind.Relative));
        Assert.Contains("a-model@1", modelsForB, StringComparison.Ordinal);
        Assert.DoesNotContain(a.Email, modelsForB, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("another user", modelsForB, StringComparison.Ordinal);
        Assert.DoesNotContain("data-testid=\"version-delete\"", modelsForB, StringComparison.Ordinal);
        Assert.DoesNotContain("data-testid=\"model-runs\">1", modelsForB, StringComparison.Ordinal);
        Assert.DoesNotContain("in use", modelsForB, StringComparison.Ordinal);
        var modelsForAdmin = await asAdmin.GetStringAsync(new Uri("/models", UriKind.Relative));
        Assert.Contains(a.Email, modelsForAdmin, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("data-testid=\"model-runs\">1 (in use: 1 unfinished)<", modelsForAdmin, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tokens_AreStoredHashed_AndARevokedTokenIs401()
    {
        var account = await app.AddAccountAsync($"t-{Guid.NewGuid():N}@portal.test");
        using var client = app.CreateClient(account);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/api/videos", UriKind.Relative))).StatusCode);

        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using (var read = new NpgsqlCommand("""select "Hash", "LastUsedAt" from portal.api_tokens where "UserId" = @id""", connection))
        {
            read.Parameters.AddWithValue("id", account.Id);
            await using var row = await read.ExecuteReaderAsync();
            Assert.True(await row.ReadAsync());
            Assert.Equal(ApiTokens.Hash(account.Token), row.GetString(0).Trim());
            Assert.NotEqual(account.Token, row.GetString(0).Trim());
            Assert.False(row.IsDBNull(1), "the token's last use is recorded");
        }

        // Nothing in the database holds the token's text.
        await using (var dump = new NpgsqlCommand("""select count(*) from portal.api_tokens t where t::text like '%' || @secret || '%'""", connection))
        {
            dump.Parameters.AddWithValue("secret", account.Token["portal_".Length..]);
            Assert.Equal(0L, (long)(await dump.ExecuteScalarAsync())!);
        }

        await using var scope = app.Services.CreateAsyncScope();
        var tokens = scope.ServiceProvider.GetRequiredService<ApiTokens>();
        var listed = Assert.Single(await tokens.ListAsync(account.Id, CancellationToken.None));
        Assert.True(await tokens.RevokeAsync(account.Id, listed.Id, CancellationToken.None));

        using var revoked = await client.GetAsync(new Uri("/api/videos", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
        using var made = app.CreateClient(account with { Token = "portal_" + new string('A', 43) });
        Assert.Equal(HttpStatusCode.Unauthorized, (await made.GetAsync(new Uri("/api/videos", UriKind.Relative))).StatusCode);
    }

    /// <summary>The app's routes as METHOD and pattern; static files (no parameters, no data) and Blazor's own are left out.</summary>
    private IEnumerable<(string Method, string Pattern)> Routes()
    {
        var endpoints = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>();
        foreach (var endpoint in endpoints)
        {
            var pattern = "/" + (endpoint.RoutePattern.RawText ?? "").TrimStart('/');
            if (IsFrameworkRoute(endpoint, pattern))
            {
                continue;
            }

            var methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"];
            // Razor component pages answer GET and the POST of their forms; a form post is the page's own (antiforgery).
            foreach (var method in methods.Where(m => !(m == "POST" && IsComponentPage(endpoint))).Distinct())
            {
                yield return (method, pattern);
            }
        }
    }

    private static bool IsComponentPage(RouteEndpoint endpoint) =>
        endpoint.Metadata.Any(m => m.GetType().FullName == "Microsoft.AspNetCore.Components.Endpoints.ComponentTypeMetadata");

    /// <summary>
    /// Files from MapStaticAssets (each a literal path of a built file, and the wwwroot fallback it adds outside
    /// Production), the Blazor circuit hub (it renders pages, whose
    /// rows are above, and needs the sign-in cookie like them) and Hangfire's dashboard (Admins only, issue 12 part 2).
    /// </summary>
    private static bool IsFrameworkRoute(RouteEndpoint endpoint, string pattern) =>
        endpoint.Metadata.Any(m => m.GetType().FullName == "Microsoft.AspNetCore.StaticAssets.StaticAssetDescriptor") ||
        pattern == "/{**path:file}" ||
        pattern.StartsWith("/_blazor", StringComparison.Ordinal) ||
        pattern.StartsWith("/_framework", StringComparison.Ordinal) ||
        pattern.StartsWith("/admin/jobs", StringComparison.Ordinal);

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, OwnedRoute route, Ids ids)
    {
        using var request = new HttpRequestMessage(new HttpMethod(route.Method), route.Path(ids));
        request.Headers.Add("Tus-Resumable", "1.0.0");
        if (route.JsonBody is { } json)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }
        else if (route.Method == "PATCH")
        {
            request.Content = new ByteArrayContent([1, 2, 3]);
            request.Content.Headers.ContentType = new("application/offset+octet-stream");
            request.Headers.Add("Upload-Offset", "0");
        }

        return await client.SendAsync(request);
    }

    private async Task<Guid> ProcessedVideoAsync()
    {
        var uploaded = await app.UploadOkAsync(TestPaths.Video("tfjs_pose_1.mp4"));
        var video = await app.WaitUntilFinishedAsync(uploaded.Id);
        Assert.True(video.Status == VideoStatus.Succeeded, $"{video.Status} {video.Error}");
        return uploaded.Id;
    }

    /// <summary>A training of A's: queued, never run (this app's worker does not serve the training queue).</summary>
    private async Task<Guid> StartTrainingAsync()
    {
        using var client = app.CreateClient();
        using var response = await client.PostAsJsonAsync(new Uri("/api/trainings", UriKind.Relative), new { epochs = 1 });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    /// <summary>A model version registered for A (the shipped coco2d ONNX and card, as a training would register it).</summary>
    private async Task<Guid> RegisterVersionAsync()
    {
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<Portal.Data.PortalDbContext>>().CreateDbContextAsync();
        var version = await RegisteredVersions.RegisterShippedAsync(app.Services.GetRequiredService<Portal.Jobs.Learning.ModelVersions>(), db, "a-model", app.Owner.Id);
        return version.Id;
    }

    /// <summary>A resumable upload of A's, created and left unfinished.</summary>
    private async Task<string> StartUploadAsync()
    {
        using var client = app.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/uploads");
        request.Headers.Add("Tus-Resumable", "1.0.0");
        request.Headers.Add("Upload-Length", "1000");
        request.Headers.Add("Upload-Metadata", "filename " + Convert.ToBase64String("a.mp4"u8.ToArray()));
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return response.Headers.Location!.OriginalString.Split('/').Last();
    }

    private static string Shorten(string body) => body.Length > 200 ? body[..200] + "…" : body;
}
