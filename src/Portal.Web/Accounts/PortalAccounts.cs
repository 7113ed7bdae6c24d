using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Portal.Web.Accounts;

/// <summary>An account as the admin pages list it.</summary>
public sealed record AccountDto(string Id, string Email, bool IsAdmin, bool Disabled, DateTimeOffset CreatedAt);

/// <summary>A change to accounts that cannot be made, with a sentence for a person.</summary>
public sealed class AccountException(string message) : Exception(message);

/// <summary>
/// Adding and managing accounts, for the admin pages, the command line and the first start. Passwords are always
/// generated and returned once: there is no default password anywhere.
/// </summary>
public sealed class PortalAccounts(
    UserManager<PortalUser> users,
    RoleManager<IdentityRole> roles,
    IDbContextFactory<PortalDbContext> dbFactory,
    ApiTokens tokens,
    IOptions<AccountOptions> options,
    TimeProvider clock,
    AuditLog audit)
{
    private const string PasswordAlphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    /// <summary>20 characters of a 57-letter alphabet without look-alikes (l, 1, O, 0): about 117 bits.</summary>
    public static string GeneratePassword() => RandomNumberGenerator.GetString(PasswordAlphabet, 20);

    /// <summary>Adds an account and returns its generated password.</summary>
    public async Task<string> AddAsync(string email, bool admin)
    {
        await EnsureRolesAsync();
        var user = new PortalUser { UserName = email.Trim(), Email = email.Trim(), CreatedAt = clock.GetUtcNow() };
        var password = GeneratePassword();
        Check(await users.CreateAsync(user, password));
        Check(await users.AddToRoleAsync(user, admin ? PortalRoles.Admin : PortalRoles.User));
        await audit.WriteAsync(AuditActions.UserAdded, "user", user.Id, $"{user.Email} as {(admin ? PortalRoles.Admin : PortalRoles.User)}");
        return password;
    }

    /// <summary>Adds a User account with a password its owner chose (self-registration, when the option allows it).</summary>
    public async Task RegisterAsync(string email, string password)
    {
        if (!options.Value.AllowRegistration)
        {
            throw new AccountException("Accounts are added by an admin here.");
        }

        await EnsureRolesAsync();
        var user = new PortalUser { UserName = email.Trim(), Email = email.Trim(), CreatedAt = clock.GetUtcNow() };
        Check(await users.CreateAsync(user, password));
        Check(await users.AddToRoleAsync(user, PortalRoles.User));
        await audit.WriteAsync(AuditActions.UserAdded, "user", user.Id, $"{user.Email} registered", actorId: user.Id, actorEmail: user.Email);
    }

    /// <summary>
    /// On a database without accounts: the first admin (returned with its password), who also takes over the videos
    /// uploaded before accounts existed. Null when there are accounts already.
    /// </summary>
    public async Task<(string Email, string Password)?> CreateFirstAdminAsync(CancellationToken cancellationToken)
    {
        if (await users.Users.AnyAsync(cancellationToken))
        {
            return null;
        }

        var email = options.Value.FirstAdminEmail;
        var password = await AddAsync(email, admin: true);
        var admin = await users.FindByEmailAsync(email) ?? throw new InvalidOperationException("The first admin was not stored.");
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await db.Videos.Where(v => v.OwnerId == Video.AnonymousOwner).ExecuteUpdateAsync(s => s.SetProperty(v => v.OwnerId, admin.Id), cancellationToken);
        await db.Runs.Where(r => r.OwnerId == Video.AnonymousOwner).ExecuteUpdateAsync(s => s.SetProperty(r => r.OwnerId, admin.Id), cancellationToken);
        return (email, password);
    }

    public async Task<IReadOnlyList<AccountDto>> ListAsync(CancellationToken cancellationToken)
    {
        var admins = (await users.GetUsersInRoleAsync(PortalRoles.Admin)).Select(u => u.Id).ToHashSet();
        var all = await users.Users.AsNoTracking().OrderBy(u => u.Email).ToListAsync(cancellationToken);
        return all.Select(u => new AccountDto(u.Id, u.Email ?? "", admins.Contains(u.Id), u.Disabled, u.CreatedAt)).ToList();
    }

    /// <summary>A new generated password for the account; its other sessions end (security stamp).</summary>
    public async Task<string> ResetPasswordAsync(string userId)
    {
        var user = await FindAsync(userId);
        var password = GeneratePassword();
        Check(await users.RemovePasswordAsync(user));
        Check(await users.AddPasswordAsync(user, password));
        Check(await users.UpdateSecurityStampAsync(user));
        await audit.WriteAsync(AuditActions.UserPasswordReset, "user", user.Id, user.Email);
        return password;
    }

    public async Task SetDisabledAsync(string userId, bool disabled)
    {
        var user = await FindAsync(userId);
        if (disabled)
        {
            await KeepAnAdminAsync(user);
        }

        user.Disabled = disabled;
        Check(await users.UpdateAsync(user));
        Check(await users.UpdateSecurityStampAsync(user));
        await audit.WriteAsync(disabled ? AuditActions.UserDisabled : AuditActions.UserEnabled, "user", user.Id, user.Email);
    }

    public async Task SetAdminAsync(string userId, bool admin)
    {
        await EnsureRolesAsync();
        var user = await FindAsync(userId);
        if (admin == await users.IsInRoleAsync(user, PortalRoles.Admin))
        {
            return;
        }

        if (!admin)
        {
            await KeepAnAdminAsync(user);
        }

        Check(await users.RemoveFromRoleAsync(user, admin ? PortalRoles.User : PortalRoles.Admin));
        Check(await users.AddToRoleAsync(user, admin ? PortalRoles.Admin : PortalRoles.User));
        Check(await users.UpdateSecurityStampAsync(user));
        await audit.WriteAsync(AuditActions.UserRoleChanged, "user", user.Id, $"{user.Email} is {(admin ? PortalRoles.Admin : PortalRoles.User)} now");
    }

    /// <summary>A new API token for the account with this e-mail (the command line's `token create`).</summary>
    public async Task<string> CreateTokenAsync(string email, string name, CancellationToken cancellationToken)
    {
        var user = await users.FindByEmailAsync(email.Trim()) ?? throw new AccountException($"No account with the e-mail {email}.");
        return await tokens.CreateAsync(user.Id, name, cancellationToken);
    }

    private async Task<PortalUser> FindAsync(string userId) =>
        await users.FindByIdAsync(userId) ?? throw new AccountException("No such account.");

    /// <summary>Refuses to disable or demote the last enabled admin: nobody could manage accounts afterwards.</summary>
    private async Task KeepAnAdminAsync(PortalUser user)
    {
        var admins = await users.GetUsersInRoleAsync(PortalRoles.Admin);
        if (admins.Any(a => a.Id == user.Id) && !admins.Any(a => a.Id != user.Id && !a.Disabled))
        {
            throw new AccountException("This is the last enabled admin: make another admin first.");
        }
    }

    private async Task EnsureRolesAsync()
    {
        foreach (var role in PortalRoles.All)
        {
            if (!await roles.RoleExistsAsync(role))
            {
                // Two processes may add the same role at once; the unique name lets one win, and both go on.
                var created = await roles.CreateAsync(new IdentityRole(role));
                if (!created.Succeeded && !await roles.RoleExistsAsync(role))
                {
                    Check(created);
                }
            }
        }
    }

    private static void Check(IdentityResult result)
    {
        if (!result.Succeeded)
        {
            throw new AccountException(string.Join(" ", result.Errors.Select(e => e.Description)));
        }
    }
}
