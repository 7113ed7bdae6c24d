using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Portal.Web.Accounts;

/// <summary>The names of audited actions, as stored in <see cref="AuditEntry.Action"/> and offered by the page's filter.</summary>
public static class AuditActions
{
    public const string SignInSucceeded = "signin.succeeded";
    public const string SignInFailed = "signin.failed";
    public const string SignOut = "signout";
    public const string UserAdded = "user.added";
    public const string UserDisabled = "user.disabled";
    public const string UserEnabled = "user.enabled";
    public const string UserRoleChanged = "user.role-changed";
    public const string UserPasswordReset = "user.password-reset";
    public const string TokenCreated = "token.created";
    public const string TokenRevoked = "token.revoked";
    public const string VideoDeleted = "video.deleted";
    public const string VideoCanceled = "video.canceled";
    public const string VideoReprocessed = "video.reprocessed";
    public const string CorrectionSaved = "correction.saved";
    public const string ReviewMarked = "review.marked";
    public const string ReviewUnmarked = "review.unmarked";
    public const string TrainingStarted = "training.started";
    public const string TrainingCanceled = "training.canceled";
    public const string ModelDefaultChanged = "model.default-changed";
    public const string ModelDeleted = "model.deleted";
    public const string UploadDeleted = "upload.deleted";

    public static readonly IReadOnlyList<string> All =
    [
        SignInSucceeded, SignInFailed, SignOut, UserAdded, UserDisabled, UserEnabled, UserRoleChanged, UserPasswordReset,
        TokenCreated, TokenRevoked, VideoDeleted, VideoCanceled, VideoReprocessed, CorrectionSaved, ReviewMarked,
        ReviewUnmarked, TrainingStarted, TrainingCanceled, ModelDefaultChanged, ModelDeleted, UploadDeleted,
    ];
}

/// <summary>An audit line as the admin page shows it.</summary>
public sealed record AuditEntryDto(DateTimeOffset At, string? ActorId, string? ActorEmail, string Action, string? TargetType, string? TargetId, string? Detail, string? RemoteAddress);

/// <summary>
/// Writes and reads the audit log. The one place every audited action goes through, so each line has the same shape:
/// the actor (given, or the signed-in user of the current HTTP request), the actor's e-mail, and the client's address.
/// </summary>
public sealed class AuditLog(IDbContextFactory<PortalDbContext> dbFactory, IHttpContextAccessor http, TimeProvider clock, ILogger<AuditLog> logger)
{
    public const int PageSize = 50;

    /// <summary>Adds one line. <paramref name="actorId"/> null: the signed-in user of the current request, if any.</summary>
    /// <remarks>
    /// Called after the action succeeded. A failure to write is logged, not thrown: the action is done, and telling
    /// the person it failed would make them repeat it.
    /// </remarks>
    public async Task WriteAsync(string action, string? targetType = null, string? targetId = null, string? detail = null, string? actorId = null, string? actorEmail = null)
    {
        var context = http.HttpContext;
        actorId ??= context?.User.FindFirstValue(ClaimTypes.NameIdentifier);
        try
        {
            // Not the request's token: the line is written even when the person closes the page at this moment.
            await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
            if (actorEmail is null && actorId is not null)
            {
                actorEmail = await db.Users.Where(u => u.Id == actorId).Select(u => u.Email).SingleOrDefaultAsync();
            }

            db.AuditLog.Add(AuditEntry.Create(clock.GetUtcNow(), actorId, actorEmail, action, targetType, targetId, detail, context?.Connection.RemoteIpAddress?.ToString()));
            await db.SaveChangesAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is DbUpdateException or InvalidOperationException or Npgsql.NpgsqlException)
        {
            logger.LogError(e, "Could not write the audit line {Action} by {ActorId} on {TargetType} {TargetId}", action, actorId, targetType, targetId);
        }
    }

    /// <summary>One page (from 1) of lines, newest first; <paramref name="actor"/> matches the actor's e-mail or id exactly.</summary>
    public async Task<(IReadOnlyList<AuditEntryDto> Lines, bool HasMore)> PageAsync(string? action, string? actor, int page, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = db.AuditLog.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(action))
        {
            query = query.Where(e => e.Action == action);
        }

        if (!string.IsNullOrWhiteSpace(actor))
        {
            var who = actor.Trim();
            query = query.Where(e => e.ActorEmail == who || e.ActorId == who);
        }

        // One more than a page tells whether there is a next page without counting the whole table.
        var lines = await query.OrderByDescending(e => e.At).ThenByDescending(e => e.Id).Skip((Math.Max(page, 1) - 1) * PageSize).Take(PageSize + 1)
            .Select(e => new AuditEntryDto(e.At, e.ActorId, e.ActorEmail, e.Action, e.TargetType, e.TargetId, e.Detail, e.RemoteAddress))
            .ToListAsync(cancellationToken);
        return (lines.Take(PageSize).ToList(), lines.Count > PageSize);
    }
}

public static class AuditLogServiceCollectionExtensions
{
    /// <summary>The audit log, for the web host and for each command line that changes something.</summary>
    public static IServiceCollection AddAuditLog(this IServiceCollection services)
    {
        services.AddHttpContextAccessor();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<AuditLog>();
        return services;
    }
}
