using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;

namespace Portal.Web.Accounts;

/// <summary>
/// The signed-in account of this request or Blazor circuit, read from its claims (the sign-in cookie or an API token).
/// Every route but sign-in, health and static files requires an authenticated user, so an anonymous caller never gets
/// here; if one does, it is refused rather than given an owner.
/// </summary>
public sealed class ClaimsCurrentUser(IHttpContextAccessor http, AuthenticationStateProvider circuit) : ICurrentUser
{
    private static readonly ClaimsPrincipal Anonymous = new(new ClaimsIdentity());

    private ClaimsPrincipal? _principal;

    public string OwnerId => Principal.FindFirstValue(ClaimTypes.NameIdentifier)
        ?? throw new UnauthorizedAccessException("No signed-in user.");

    public bool IsAdmin => Principal.IsInRole(PortalRoles.Admin);

    private ClaimsPrincipal Principal => _principal ??= Resolve();

    private ClaimsPrincipal Resolve()
    {
        // An HTTP request (an endpoint, or a page's first render) carries its user; an interactive circuit may have no
        // HttpContext, and its user is the authentication state Blazor set when the circuit started (already complete).
        if (http.HttpContext?.User is { Identity.IsAuthenticated: true } user)
        {
            return user;
        }

        try
        {
            var state = circuit.GetAuthenticationStateAsync();
            return state.IsCompletedSuccessfully ? state.Result.User : Anonymous;
        }
        catch (InvalidOperationException)
        {
            // Not a circuit: an anonymous HTTP request.
            return Anonymous;
        }
    }
}
