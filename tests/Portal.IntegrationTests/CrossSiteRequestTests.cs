namespace Portal.IntegrationTests;

/// <summary>CSRF: an /api write authenticated by the sign-in cookie must come from the portal's own pages; tokens are exempt.</summary>
[Collection(IntegrationCollection.Name)]
public sealed class CrossSiteRequestTests(PortalApp app) : IClassFixture<PortalApp>
{
    [Fact]
    public async Task ACookieWriteFromAnotherSite_Is403WithItsReason_FromThePortalsOwnPageOrWithAToken_ItIsServed()
    {
        var user = await app.AddAccountAsync($"csrf-{Guid.NewGuid():N}@portal.test");
        using var browser = await CookieSignIn.SignedInAsync(app, user);
        // A video nobody has: a request that gets past the check is answered 404 by the endpoint, not 403.
        var cancel = $"/api/videos/{Guid.NewGuid()}/cancel";

        using var evil = await SendAsync(browser, HttpMethod.Post, cancel, ("Origin", "https://evil.example"));
        Assert.Equal(HttpStatusCode.Forbidden, evil.StatusCode);
        var reason = await evil.Content.ReadAsStringAsync();
        Assert.Contains("Cross-site request refused.", reason, StringComparison.Ordinal);
        Assert.Contains("https://evil.example", reason, StringComparison.Ordinal);

        using var crossSite = await SendAsync(browser, HttpMethod.Delete, $"/api/videos/{Guid.NewGuid()}", ("Sec-Fetch-Site", "cross-site"), ("Origin", "http://localhost"));
        Assert.Equal(HttpStatusCode.Forbidden, crossSite.StatusCode);
        using var bare = await SendAsync(browser, HttpMethod.Post, cancel);
        Assert.Equal(HttpStatusCode.Forbidden, bare.StatusCode);

        using var ownOrigin = await SendAsync(browser, HttpMethod.Post, cancel, ("Origin", "http://localhost"));
        Assert.Equal(HttpStatusCode.NotFound, ownOrigin.StatusCode);
        using var sameOrigin = await SendAsync(browser, HttpMethod.Post, cancel, ("Sec-Fetch-Site", "same-origin"));
        Assert.Equal(HttpStatusCode.NotFound, sameOrigin.StatusCode);
        // Reading is not a write: a cookie GET from anywhere is answered as before.
        using var read = await SendAsync(browser, HttpMethod.Get, "/api/videos", ("Origin", "https://evil.example"));
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);

        using var withToken = app.CreateClient(user);
        using var tokenPost = await SendAsync(withToken, HttpMethod.Post, cancel, ("Origin", "https://evil.example"));
        Assert.Equal(HttpStatusCode.NotFound, tokenPost.StatusCode);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await client.SendAsync(request);
    }
}
