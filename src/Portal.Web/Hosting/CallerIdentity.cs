using System.Security.Claims;

namespace Portal.Web.Hosting;

/// <summary>Who a request counts against for rate limits.</summary>
public static class CallerIdentity
{
    /// <summary>
    /// The one function that names a caller for the rate limiter: the signed-in account (cookie or API token), else
    /// the remote address for anonymous requests. Runs after authentication, so the account is known.
    /// </summary>
    public static string PartitionKey(HttpContext context) =>
        context.User.FindFirstValue(ClaimTypes.NameIdentifier) is { } account
            ? "user:" + account
            : "ip:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
}
