namespace Portal.Web.Accounts;

/// <summary>
/// The CSRF defence for /api writes authenticated by the sign-in cookie (docs/security.md, "Cross-site requests"): an
/// unsafe method is served only when the browser says the request came from the portal's own pages. Requests with a
/// Bearer token are exempt: another site cannot make a browser attach one.
/// </summary>
public static class SameOriginCookieWrites
{
    /// <summary>Runs after authentication (the caller is known) and before anything that acts on the request.</summary>
    public static IApplicationBuilder UseSameOriginCookieWrites(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var request = context.Request;
        if (AccountResponses.IsApi(request) && !IsSafe(request.Method) && !ApiTokenAuthenticationHandler.HasBearer(request)
            && context.User.Identity?.IsAuthenticated == true && Refusal(request) is { } reason)
        {
            await Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Cross-site request refused.", detail: reason).ExecuteAsync(context);
            return;
        }

        await next(context);
    });

    private static bool IsSafe(string method) => HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method);

    /// <summary>Why the request is not known to come from the portal's own pages; null when it is.</summary>
    /// <remarks>
    /// Sec-Fetch-Site is set by the browser and cannot be set by a page's script, so it is trusted when present
    /// ("none": the person typed or bookmarked it). Browsers without it still send Origin on every POST, PATCH and
    /// DELETE (a form, fetch, or tus-js-client's XMLHttpRequest), so Origin must then name this host. A cookie request
    /// with neither is not from a browser page, and such a client can use a token.
    /// </remarks>
    internal static string? Refusal(HttpRequest request)
    {
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0)
        {
            return site is "same-origin" or "none" ? null : $"A {request.Method} authenticated by the sign-in cookie must come from the portal's own pages (Sec-Fetch-Site was '{site}'). Programs send Authorization: Bearer TOKEN.";
        }

        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0)
        {
            var own = $"{request.Scheme}://{request.Host}";
            return string.Equals(origin, own, StringComparison.OrdinalIgnoreCase) ? null : $"A {request.Method} authenticated by the sign-in cookie must come from the portal's own pages (Origin was '{origin}', this site is '{own}'). Programs send Authorization: Bearer TOKEN.";
        }

        return $"A {request.Method} authenticated by the sign-in cookie must carry the browser's Origin or Sec-Fetch-Site header. Programs send Authorization: Bearer TOKEN.";
    }
}
