using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Identity;

namespace Portal.Web.Accounts;

public static class AccountEndpoints
{
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        // A form in the layout posts here; the antiforgery token keeps another site from signing people out.
        app.MapPost("/account/signout", SignOutAsync).WithMetadata(new RequireAntiforgeryTokenAttribute()).ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> SignOutAsync(SignInManager<PortalUser> signIn)
    {
        await signIn.SignOutAsync();
        return Results.LocalRedirect("/account/signin");
    }
}
