using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Portal.IntegrationTests;

/// <summary>A browser-like client: no token, a cookie jar, and the sign-in page's real form (with its antiforgery token).</summary>
internal static partial class CookieSignIn
{
    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    /// <summary>A client with cookies and without the Bearer token every plain test client sends.</summary>
    public static HttpClient CreateBrowserClient(PortalApp app)
    {
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        client.DefaultRequestHeaders.Authorization = null;
        return client;
    }

    /// <summary>Posts the sign-in form; the response is a redirect when it worked, the form again with its error when not.</summary>
    public static async Task<HttpResponseMessage> PostSignInAsync(HttpClient browser, string email, string password)
    {
        var form = await browser.GetStringAsync(new Uri("/account/signin", UriKind.Relative));
        var token = AntiforgeryField().Match(form);
        Assert.True(token.Success, "The sign-in page has no antiforgery field.");
        using var body = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "signin",
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value),
            ["Input.Email"] = email,
            ["Input.Password"] = password,
        });
        return await browser.PostAsync(new Uri("/account/signin", UriKind.Relative), body);
    }

    /// <summary>A browser client signed in as <paramref name="account"/> with the sign-in cookie.</summary>
    public static async Task<HttpClient> SignedInAsync(PortalApp app, TestAccount account)
    {
        var browser = CreateBrowserClient(app);
        using var signedIn = await PostSignInAsync(browser, account.Email, account.Password);
        Assert.True(signedIn.StatusCode == HttpStatusCode.Redirect, $"Signing in gave {(int)signedIn.StatusCode}: {await signedIn.Content.ReadAsStringAsync()}");
        return browser;
    }
}
