using Microsoft.EntityFrameworkCore;
using Portal.Jobs.Learning;
using Portal.Web.Accounts;

namespace Portal.Web.Learning;

/// <summary>A registered model version as the API lists it.</summary>
public sealed record ModelVersionDto(Guid Id, string Name, string Version, string BaseModel, bool IsDefault, string OwnerId, string Metrics, DateTimeOffset CreatedAt);

/// <summary>Outcome of a change to the registry: done, not the caller's to change (404), or refused with a reason (409).</summary>
public enum RegistryOutcome
{
    Done,
    NotFound,
    Refused,
}

/// <summary>
/// Managing the model registry: everyone signed in lists the versions (any owner may reprocess with one); only an
/// admin chooses the default; a version is deleted by the account it was trained for or by an admin.
/// </summary>
public sealed class RegistryCommands(IDbContextFactory<PortalDbContext> dbFactory, ModelVersions versions, AuditLog audit)
{
    public async Task<IReadOnlyList<ModelVersionDto>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.ModelVersions.AsNoTracking().OrderBy(m => m.Name).ThenBy(m => m.CreatedAt)
            .Select(m => new ModelVersionDto(m.Id, m.Name, m.Version, m.BaseName + "@" + m.BaseVersion, m.IsDefault, m.OwnerId, m.MetricsJson, m.CreatedAt))
            .ToListAsync(cancellationToken);
    }

    /// <summary>Makes the version the default for new runs (<paramref name="id"/> null: the shipped default again). Admins only.</summary>
    public async Task<RegistryOutcome> SetDefaultAsync(ICurrentUser caller, Guid? id, CancellationToken cancellationToken)
    {
        if (!caller.IsAdmin)
        {
            return RegistryOutcome.NotFound;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        string? named = null;
        if (id is { } chosen)
        {
            named = await db.ModelVersions.Where(m => m.Id == chosen).Select(m => m.Name + "@" + m.Version).SingleOrDefaultAsync(cancellationToken);
            if (named is null)
            {
                return RegistryOutcome.NotFound;
            }
        }

        if (!await ModelVersions.SetDefaultAsync(db, named, cancellationToken))
        {
            return RegistryOutcome.NotFound;
        }

        await audit.WriteAsync(AuditActions.ModelDefaultChanged, "model", id?.ToString(), named ?? "the shipped default", actorId: caller.OwnerId);
        return RegistryOutcome.Done;
    }

    public async Task<(RegistryOutcome Outcome, string? Reason)> DeleteAsync(ICurrentUser caller, Guid id, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var owner = caller.OwnerId;
        var named = await db.ModelVersions.Where(m => m.Id == id && (caller.IsAdmin || m.OwnerId == owner))
            .Select(m => m.Name + "@" + m.Version).SingleOrDefaultAsync(cancellationToken);
        if (named is null)
        {
            return (RegistryOutcome.NotFound, null);
        }

        var refused = await versions.DeleteAsync(db, id, cancellationToken);
        if (refused is not null)
        {
            return (RegistryOutcome.Refused, refused);
        }

        await audit.WriteAsync(AuditActions.ModelDeleted, "model", id.ToString(), named, actorId: caller.OwnerId);
        return (RegistryOutcome.Done, null);
    }
}
