using System.Text.RegularExpressions;

namespace Portal.IntegrationTests;

/// <summary>Security headers on every kind of response: pages, API, errors, static files.</summary>
[Collection(IntegrationCollection.Name)]
public sealed partial class SecurityHeaderTests(PortalApp app) : IClassFixture<PortalApp>
{
    [Theory]
    [InlineData("/")]
    [InlineData("/api/videos")]
    [InlineData("/no-such-page")]
    [InlineData("/app.css")]
    public async Task EveryResponse_CarriesTheSecurityHeaders(string path)
    {
        using var client = app.CreateClient();

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("object-src 'none'", csp, StringComparison.Ordinal);
        Assert.Matches("script-src 'self' 'nonce-[A-Za-z0-9+/=]+';", csp);
        Assert.DoesNotContain("unsafe-inline'; img", csp.Split("script-src")[1].Split(';')[0], StringComparison.Ordinal);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
    }

    [Fact]
    public async Task Page_ImportMap_CarriesThisResponsesNonce_AndNoOtherInlineScript()
    {
        using var client = app.CreateClient();

        using var response = await client.GetAsync(new Uri("/", UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();

        var nonce = NonceInPolicy().Match(Assert.Single(response.Headers.GetValues("Content-Security-Policy"))).Groups[1].Value;
        var importMap = Assert.Single(ScriptTag().Matches(html), tag => tag.Value.Contains("importmap", StringComparison.Ordinal));
        Assert.Contains($"nonce=\"{nonce}\"", importMap.Value, StringComparison.Ordinal);
        // Every other script is loaded from the portal (src=...), which script-src 'self' allows.
        Assert.All(ScriptTag().Matches(html), tag => Assert.True(tag.Value.Contains("src=", StringComparison.Ordinal) || tag.Value.Contains(nonce, StringComparison.Ordinal), tag.Value));
    }

    [GeneratedRegex("'nonce-([^']+)'")]
    private static partial Regex NonceInPolicy();

    [GeneratedRegex("<script[^>]*>")]
    private static partial Regex ScriptTag();
}

/// <summary>Per-caller rate limits: 429 with Retry-After once a budget is spent.</summary>
[Collection(IntegrationCollection.Name)]
public sealed class RateLimitTests(RateLimitedPortalApp app) : IClassFixture<RateLimitedPortalApp>
{
    [Fact]
    public async Task Uploads_AndApiCalls_OverTheirBudget_Get429_WithRetryAfter_WhilePagesStayOpen()
    {
        using var temp = new TempDirectory();
        var (path, name) = BadFileCorpus.Make("text", temp.Path);
        for (var i = 0; i < RateLimitedPortalApp.Uploads; i++)
        {
            using var accepted = await app.UploadAsync(path, name);
            Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        }

        using var refused = await app.UploadAsync(path, name);
        await AssertTooManyAsync(refused);
        // Starting a resumable upload draws on the same budget.
        using var client = app.CreateClient();
        using var creation = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/uploads", UriKind.Relative));
        creation.Headers.Add("Tus-Resumable", "1.0.0");
        creation.Headers.Add("Upload-Length", "10");
        using var tus = await client.SendAsync(creation);
        await AssertTooManyAsync(tus);

        // Other API calls have their own budget: all of it is there, and then it is spent.
        for (var i = 0; i < RateLimitedPortalApp.ApiCalls; i++)
        {
            using var listed = await client.GetAsync(new Uri("/api/videos", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        }

        using var overBudget = await client.GetAsync(new Uri("/api/videos", UriKind.Relative));
        await AssertTooManyAsync(overBudget);
        using var page = await client.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    private static async Task AssertTooManyAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.InRange(response.Headers.RetryAfter?.Delta?.TotalSeconds ?? 0, 1, 600);
        Assert.Contains("Too many requests.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}

/// <summary>Same host with small rate limits: 3 uploads and 20 other API calls per caller per 10 minutes.</summary>
public sealed class RateLimitedPortalApp : PortalApp
{
    public const int Uploads = 3;
    public const int ApiCalls = 20;

    protected override IEnumerable<(string Key, string Value)> Settings =>
    [
        ("Portal:RateLimits:UploadsPerWindow", $"{Uploads}"),
        ("Portal:RateLimits:UploadWindow", "00:10:00"),
        ("Portal:RateLimits:ApiRequestsPerWindow", $"{ApiCalls}"),
        ("Portal:RateLimits:ApiWindow", "00:10:00"),
    ];
}
