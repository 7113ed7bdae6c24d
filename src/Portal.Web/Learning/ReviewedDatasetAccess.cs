using Microsoft.EntityFrameworkCore;
using Portal.Web.Accounts;

namespace Portal.Web.Learning;

/// <summary>Whose reviewed data a caller may export: its own; an admin anyone's, or everyone's when no owner is named.</summary>
public sealed class ReviewedDatasetAccess(IDbContextFactory<PortalDbContext> dbFactory)
{
    /// <summary>
    /// The owner filter for <see cref="Portal.Jobs.Learning.ReviewedDataset.ExportAsync"/>: the caller's id, or for an
    /// admin the named account's (null: all). Found false when <paramref name="ownerEmail"/> names no account the
    /// caller may read, so a non-admin asking for someone else learns nothing about who has an account.
    /// </summary>
    public async Task<(bool Found, string? OwnerId)> ResolveAsync(ICurrentUser caller, string? ownerEmail, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(ownerEmail))
        {
            return (true, caller.IsAdmin ? null : caller.OwnerId);
        }

        var id = await FindAccountAsync(dbFactory, ownerEmail, cancellationToken);
        return id is not null && (caller.IsAdmin || id == caller.OwnerId) ? (true, id) : (false, null);
    }

    /// <summary>The id of the account with this email (Identity's normalized form), or null.</summary>
    public static async Task<string?> FindAccountAsync(IDbContextFactory<PortalDbContext> dbFactory, string email, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var normalized = email.Trim().ToUpperInvariant();
        return await db.Users.Where(u => u.NormalizedEmail == normalized).Select(u => u.Id).SingleOrDefaultAsync(cancellationToken);
    }
}
