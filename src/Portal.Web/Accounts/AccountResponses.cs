namespace Portal.Web.Accounts;

/// <summary>What an API caller without a valid sign-in gets: a 401 with a sentence, never the sign-in page.</summary>
internal static class AccountResponses
{
    public static Task WriteUnauthorizedAsync(HttpContext context) =>
        Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Sign in first.",
                detail: "Send Authorization: Bearer TOKEN with a personal API token (the Tokens page, or ./portal token create EMAIL).")
            .ExecuteAsync(context);

    /// <summary>API paths answer 401; everything else is a page, and a browser is sent to sign in.</summary>
    public static bool IsApi(HttpRequest request) => request.Path.StartsWithSegments("/api");
}
