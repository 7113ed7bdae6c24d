using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Portal.Web.Accounts;

public static class AccountServiceCollectionExtensions
{
    /// <summary>The scheme that picks the token handler for a Bearer header and the sign-in cookie otherwise.</summary>
    private const string CookieOrToken = "CookieOrToken";

    /// <summary>
    /// The account store (ASP.NET Core Identity on Portal's database) and what reads and changes it; shared by the web
    /// host and the `user`/`token` command line, which must not start a web server.
    /// </summary>
    public static IServiceCollection AddPortalAccountStore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AccountOptions>().Bind(configuration.GetSection(AccountOptions.SectionName));
        services.TryAddSingleton(TimeProvider.System);
        // Identity's token providers and the sign-in cookie need it. The key ring lives in the database, not in a
        // folder of the machine: cookies survive a restart or a new container, and several web processes (and the
        // command line's password-reset tokens) use the same keys. One application name, whatever the content root.
        services.AddDataProtection()
            .PersistKeysToDbContext<PortalDbContext>()
            .SetApplicationName("Portal");
        services.AddIdentityCore<PortalUser>(identity =>
            {
                // Length is what makes a password strong; composition rules only make people write them down.
                identity.Password.RequiredLength = 12;
                identity.Password.RequireDigit = false;
                identity.Password.RequireLowercase = false;
                identity.Password.RequireUppercase = false;
                identity.Password.RequireNonAlphanumeric = false;
                identity.User.RequireUniqueEmail = true;
                identity.Lockout.MaxFailedAccessAttempts = 10;
                identity.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(5);
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<PortalDbContext>()
            .AddSignInManager<PortalSignInManager>()
            .AddDefaultTokenProviders();
        services.AddAuditLog();
        services.AddSingleton<ApiTokens>();
        services.AddScoped<PortalAccounts>();
        return services;
    }

    public static WebApplicationBuilder AddPortalAccounts(this WebApplicationBuilder builder)
    {
        builder.Services.AddPortalAccountStore(builder.Configuration);
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddScoped<ICurrentUser, ClaimsCurrentUser>();
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddAuthentication(CookieOrToken)
            .AddPolicyScheme(CookieOrToken, "Sign-in cookie or API token", scheme => scheme.ForwardDefaultSelector = context =>
                ApiTokenAuthenticationHandler.HasBearer(context.Request) ? ApiTokenAuthenticationHandler.SchemeName : IdentityConstants.ApplicationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null)
            .AddIdentityCookies();
        builder.Services.ConfigureApplicationCookie(cookie =>
        {
            cookie.LoginPath = "/account/signin";
            cookie.AccessDeniedPath = "/not-found";
            cookie.Cookie.Name = "portal.auth";
            // Strict: a page on another site cannot make the browser send the cookie with a POST or DELETE to /api.
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.Cookie.HttpOnly = true;
            cookie.SlidingExpiration = true;
            cookie.ExpireTimeSpan = TimeSpan.FromDays(14);
            cookie.Events.OnRedirectToLogin = context =>
            {
                if (AccountResponses.IsApi(context.Request))
                {
                    return AccountResponses.WriteUnauthorizedAsync(context.HttpContext);
                }

                context.Response.Redirect(context.RedirectUri);
                return Task.CompletedTask;
            };
            // A user who may not see something is told it does not exist, as for another user's video.
            cookie.Events.OnRedirectToAccessDenied = context =>
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            };
        });
        // A disabled account or a reset password ends the account's other sessions within this time.
        builder.Services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.FromMinutes(1));
        builder.Services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(PortalRoles.Admin, policy => policy.RequireAuthenticatedUser().RequireRole(PortalRoles.Admin));
        return builder;
    }

    /// <summary>On an empty database: the first admin, its credentials printed once on the console (never logged to a file).</summary>
    public static async Task CreateFirstAdminAsync(this IServiceProvider services, CancellationToken cancellationToken = default)
    {
        await using var scope = services.CreateAsyncScope();
        if (await scope.ServiceProvider.GetRequiredService<PortalAccounts>().CreateFirstAdminAsync(cancellationToken) is { } admin)
        {
            Console.WriteLine($"portal: no accounts yet, so the first admin is {admin.Email}. Its password, shown once (change it on the Password page):");
            Console.WriteLine(admin.Password);
        }
    }
}
