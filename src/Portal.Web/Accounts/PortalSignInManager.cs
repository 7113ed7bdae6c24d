using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Portal.Web.Accounts;

/// <summary>
/// Identity's sign-in, plus the one rule it lacks (a disabled account cannot sign in) and the audit lines of signing in
/// and out: every sign-in goes through here, so none is missed.
/// </summary>
public sealed class PortalSignInManager(
    UserManager<PortalUser> userManager,
    IHttpContextAccessor contextAccessor,
    IUserClaimsPrincipalFactory<PortalUser> claimsFactory,
    IOptions<IdentityOptions> optionsAccessor,
    ILogger<SignInManager<PortalUser>> logger,
    IAuthenticationSchemeProvider schemes,
    IUserConfirmation<PortalUser> confirmation,
    AuditLog audit)
    : SignInManager<PortalUser>(userManager, contextAccessor, claimsFactory, optionsAccessor, logger, schemes, confirmation)
{
    public override async Task<bool> CanSignInAsync(PortalUser user) => !user.Disabled && await base.CanSignInAsync(user);

    public override async Task<SignInResult> PasswordSignInAsync(string userName, string password, bool isPersistent, bool lockoutOnFailure)
    {
        var result = await base.PasswordSignInAsync(userName, password, isPersistent, lockoutOnFailure);
        var user = await UserManager.FindByNameAsync(userName);
        if (result.Succeeded)
        {
            await audit.WriteAsync(AuditActions.SignInSucceeded, "user", user?.Id, actorId: user?.Id, actorEmail: user?.Email);
        }
        else
        {
            // The e-mail as typed: a failed attempt on a name that has no account is worth seeing too.
            var why = result.IsLockedOut ? "locked out" : result.IsNotAllowed ? "not allowed" : user is null ? "no such account" : "wrong password or disabled";
            await audit.WriteAsync(AuditActions.SignInFailed, "user", user?.Id, why, actorId: user?.Id, actorEmail: userName);
        }

        return result;
    }

    public override async Task SignOutAsync()
    {
        // Written first, while the request's user is still the one signing out.
        await audit.WriteAsync(AuditActions.SignOut);
        await base.SignOutAsync();
    }
}
