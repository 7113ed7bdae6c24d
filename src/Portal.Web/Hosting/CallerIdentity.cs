namespace Portal.Web.Hosting;

/// <summary>Who a request counts against for rate limits.</summary>
public static class CallerIdentity
{
    /// <summary>
    /// The one function that names a caller for the rate limiter. Until accounts exist every caller is anonymous, so
    /// the remote address stands in; with accounts this becomes the signed-in user's id (falling back to the address
    /// for anonymous requests), and every limit follows.
    /// </summary>
    public static string PartitionKey(HttpContext context) =>
        "ip:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
}
