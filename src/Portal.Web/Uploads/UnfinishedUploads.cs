using Microsoft.EntityFrameworkCore;
using Portal.Web.Accounts;
using Portal.Web.Videos;

namespace Portal.Web.Uploads;

/// <summary>An unfinished upload with its owner's e-mail, as the upload page and the admin console show it.</summary>
public sealed record UnfinishedUploadDto(
    string Id, string OwnerId, string? OwnerEmail, string FileName, long Length, long Offset, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt);

/// <summary>
/// The server's list of resumable uploads still receiving bytes (<see cref="TusUploadStore.ListUnfinishedAsync"/>): a
/// caller's own, or for an admin everyone's, and deleting one (an admin's delete of anyone's upload is audited).
/// </summary>
public sealed class UnfinishedUploads(TusUploadStore store, IDbContextFactory<PortalDbContext> dbFactory, AuditLog audit)
{
    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(5);

    /// <param name="everyone">Everyone's uploads: honoured for admins only; others always get their own.</param>
    public async Task<IReadOnlyList<UnfinishedUploadDto>> ListAsync(ICurrentUser caller, bool everyone, CancellationToken cancellationToken)
    {
        var uploads = await store.ListUnfinishedAsync(everyone && caller.IsAdmin ? null : caller.OwnerId, cancellationToken);
        var owners = uploads.Select(u => u.OwnerId).Distinct().ToList();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var emails = await db.Users.Where(u => owners.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.Email, cancellationToken);
        return [.. uploads.Select(u => new UnfinishedUploadDto(u.Id, u.OwnerId, emails.GetValueOrDefault(u.OwnerId), u.FileName, u.Length, u.Offset, u.CreatedAt, u.ExpiresAt))];
    }

    /// <summary>
    /// Deletes the upload's bytes: the caller's own, or anyone's for an admin; another user's answers NotFound, as one
    /// that does not exist. Conflict while a request is still writing to it.
    /// </summary>
    public async Task<CommandOutcome> DeleteAsync(ICurrentUser caller, string id, CancellationToken cancellationToken)
    {
        using var lease = await store.LockAsync(id, LockWait, cancellationToken);
        if (lease is null)
        {
            return CommandOutcome.Conflict;
        }

        if (await store.FindAsync(id, caller.IsAdmin ? null : caller.OwnerId) is not { VideoId: null } info)
        {
            return CommandOutcome.NotFound;
        }

        var offset = store.GetOffset(info);
        store.Delete(info.Id);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var owner = await db.Users.Where(u => u.Id == info.OwnerId).Select(u => u.Email).SingleOrDefaultAsync(cancellationToken);
        await audit.WriteAsync(AuditActions.UploadDeleted, "upload", info.Id,
            $"{info.FileName} of {owner ?? info.OwnerId}: {offset} of {info.Length} bytes received", caller.OwnerId);
        return CommandOutcome.Done;
    }
}
