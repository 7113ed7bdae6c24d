using System.Globalization;
using System.Security.Cryptography;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Portal.Web.Hosting;

/// <summary>
/// Security headers on every response and per-caller rate limits (docs/security.md). Kept apart from the rest of the
/// hosting so that it is one line in Program.cs: <c>AddPortalHardening()</c> and <c>UsePortalHardening()</c>.
/// </summary>
public static class HardeningExtensions
{
    private const string NonceItem = "Portal.CspNonce";

    public static WebApplicationBuilder AddPortalHardening(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<RateLimitOptions>()
            .Bind(builder.Configuration.GetSection(RateLimitOptions.SectionName))
            .Validate(o => o is { UploadsPerWindow: > 0, ApiRequestsPerWindow: > 0 } && o.UploadWindow > TimeSpan.Zero && o.ApiWindow > TimeSpan.Zero,
                "Portal:RateLimits: every limit and window must be positive (e.g. UploadsPerWindow 120, UploadWindow 00:10:00).")
            .ValidateOnStart();
        builder.Services.AddRateLimiter(_ => { });
        builder.Services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>>((limiter, limits) =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context => Partition(context, limits.Value));
            limiter.OnRejected = RejectAsync;
        });
        return builder;
    }

    /// <summary>Goes first in the pipeline, so that every response (errors and static files too) carries the headers.</summary>
    public static WebApplication UsePortalHardening(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            // Hex, not base64: '+', '/' and '=' would be HTML-encoded in the page's attribute and no longer match the header.
            var nonce = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
            context.Items[NonceItem] = nonce;
            // On starting, not now: the exception handler clears the headers of a failed response before it re-executes.
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers.ContentSecurityPolicy = ContentSecurityPolicy(nonce);
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "no-referrer";
                headers["Cross-Origin-Opener-Policy"] = "same-origin";
                return Task.CompletedTask;
            });
            await next(context);
        });
        return app;
    }

    /// <summary>
    /// The per-caller limits. Called by <c>UsePortalWeb</c> between authentication and authorization: after the
    /// first so that a signed-in caller is counted by account (<see cref="CallerIdentity"/>), before the second so that
    /// anonymous floods are limited too.
    /// </summary>
    public static IApplicationBuilder UsePortalRateLimits(this IApplicationBuilder app) => app.UseRateLimiter();

    /// <summary>The nonce that lets this response's one inline script (Blazor's import map) run; null outside a request.</summary>
    public static string? CspNonce(HttpContext? context) => context?.Items[NonceItem] as string;

    /// <summary>
    /// Scripts only from the portal itself, plus the import map with this response's nonce; no plugins, no framing, no
    /// form posts or base URLs elsewhere. Inline style attributes stay allowed: the review timeline positions its
    /// segments with them (style-src only; no script can come in that way).
    /// </summary>
    internal static string ContentSecurityPolicy(string nonce) =>
        $"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
        "media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>
    /// Starting an upload (POST /api/videos, tus creation at POST /api/uploads) draws on the upload budget; every other
    /// /api request (tus chunks included) on the API budget; pages and static files are not limited.
    /// </summary>
    private static RateLimitPartition<string> Partition(HttpContext context, RateLimitOptions limits)
    {
        var path = context.Request.Path;
        if (!path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase))
        {
            return RateLimitPartition.GetNoLimiter("unlimited");
        }

        var caller = CallerIdentity.PartitionKey(context);
        var startsUpload = HttpMethods.IsPost(context.Request.Method) &&
            (path.Equals("/api/videos", StringComparison.OrdinalIgnoreCase) || path.Equals("/api/videos/", StringComparison.OrdinalIgnoreCase) ||
             path.Equals("/api/uploads", StringComparison.OrdinalIgnoreCase) || path.Equals("/api/uploads/", StringComparison.OrdinalIgnoreCase));
        return startsUpload
            ? RateLimitPartition.GetFixedWindowLimiter("upload " + caller, _ => Window(limits.UploadsPerWindow, limits.UploadWindow))
            : RateLimitPartition.GetFixedWindowLimiter("api " + caller, _ => Window(limits.ApiRequestsPerWindow, limits.ApiWindow));
    }

    private static FixedWindowRateLimiterOptions Window(int permits, TimeSpan window) =>
        new() { PermitLimit = permits, Window = window, QueueLimit = 0, AutoReplenishment = true };

    private static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
            ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
            : 60;
        var context = rejected.HttpContext;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await Results.Problem(
            statusCode: StatusCodes.Status429TooManyRequests,
            title: "Too many requests.",
            detail: $"This caller has used its request budget; try again in {seconds} s.").ExecuteAsync(context);
    }
}
