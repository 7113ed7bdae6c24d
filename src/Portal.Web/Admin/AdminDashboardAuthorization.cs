using Hangfire.Dashboard;

namespace Portal.Web.Admin;

/// <summary>
/// Hangfire's own gate on its dashboard: only a signed-in Admin. The endpoint also requires the Admin policy, which
/// answers others 404 like every admin page; this filter keeps the dashboard closed should that mapping change.
/// </summary>
public sealed class AdminDashboardAuthorization : IDashboardAuthorizationFilter
{
    public bool Authorize(DashboardContext context) =>
        context.GetHttpContext().User is { Identity.IsAuthenticated: true } user && user.IsInRole(PortalRoles.Admin);
}
