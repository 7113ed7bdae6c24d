using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;

namespace Portal.Web.Accounts;

/// <summary>A token as its owner sees it in a list: never the token itself, which is shown once at creation.</summary>
public sealed record ApiTokenDto(Guid Id, string Name, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt);

/// <summary>Personal API tokens: created (the text returned once), listed, revoked, and checked on each API request.</summary>
public sealed class ApiTokens(IDbContextFactory<PortalDbContext> dbFactory, TimeProvider clock, AuditLog audit)
{
    /// <summary>Marks the text as a Portal token, so a leaked one is recognisable (secret scanners, logs).</summary>
    public const string TokenPrefix = "portal_";

    /// <summary>A token's last use is written at most this often, not on every request.</summary>
    private static readonly TimeSpan LastUseResolution = TimeSpan.FromMinutes(1);

    public async Task<string> CreateAsync(string userId, string name, CancellationToken cancellationToken)
    {
        // 256 random bits, base64url: nothing to guess, and a plain SHA-256 of it is safe to store (see ApiToken).
        var token = TokenPrefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var created = ApiToken.Create(userId, string.IsNullOrWhiteSpace(name) ? "token" : name.Trim(), Hash(token), token[..12], clock.GetUtcNow());
        db.ApiTokens.Add(created);
        await db.SaveChangesAsync(cancellationToken);
        // The token's owner is the actor: tokens are personal, made on the owner's page or for the owner on the command line.
        await audit.WriteAsync(AuditActions.TokenCreated, "token", created.Id.ToString(), $"{created.Name} ({created.Prefix}…)", actorId: userId);
        return token;
    }

    public async Task<IReadOnlyList<ApiTokenDto>> ListAsync(string userId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.ApiTokens.AsNoTracking().Where(t => t.UserId == userId).OrderByDescending(t => t.CreatedAt)
            .Select(t => new ApiTokenDto(t.Id, t.Name, t.Prefix, t.CreatedAt, t.LastUsedAt, t.RevokedAt))
            .ToListAsync(cancellationToken);
    }

    /// <summary>Revokes one of <paramref name="userId"/>'s tokens; false if it has no such token.</summary>
    public async Task<bool> RevokeAsync(string userId, Guid tokenId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var revoked = await db.ApiTokens.Where(t => t.Id == tokenId && t.UserId == userId && t.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedAt, clock.GetUtcNow()), cancellationToken);
        if (revoked == 1)
        {
            await audit.WriteAsync(AuditActions.TokenRevoked, "token", tokenId.ToString(), actorId: userId);
        }

        return revoked == 1 || await db.ApiTokens.AnyAsync(t => t.Id == tokenId && t.UserId == userId, cancellationToken);
    }

    /// <summary>The id of the account a live (not revoked) token belongs to, its last use recorded; null for any other text.</summary>
    public async Task<string?> FindUserIdAsync(string token, CancellationToken cancellationToken)
    {
        if (!token.StartsWith(TokenPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var hash = Hash(token);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var found = await db.ApiTokens.SingleOrDefaultAsync(t => t.Hash == hash && t.RevokedAt == null, cancellationToken);
        if (found is null)
        {
            return null;
        }

        var now = clock.GetUtcNow();
        if (found.LastUsedAt is not { } last || now - last >= LastUseResolution)
        {
            found.LastUsedAt = now;
            await db.SaveChangesAsync(cancellationToken);
        }

        return found.UserId;
    }

    /// <summary>Lowercase hex SHA-256 of the token's UTF-8 text: what is stored and looked up.</summary>
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
