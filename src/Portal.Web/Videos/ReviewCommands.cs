using Microsoft.EntityFrameworkCore;
using Npgsql;
using Portal.Web.Accounts;

namespace Portal.Web.Videos;

/// <summary>One review mark: a track (or the whole video, <see cref="TrackId"/> null) of the current run, who and when.</summary>
public sealed record ReviewMarkDto(int? TrackId, string ReviewerId, DateTimeOffset ReviewedAt);

/// <summary>The review marks of a video's current run: marking makes its segments training data (issue 15).</summary>
public sealed class ReviewCommands(IDbContextFactory<PortalDbContext> dbFactory, TimeProvider clock, AuditLog audit)
{
    /// <summary>The marks of the video's current run, whole-video mark first; null if there is no such video or run.</summary>
    public async Task<IReadOnlyList<ReviewMarkDto>?> ListAsync(ICurrentUser caller, Guid videoId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var (video, run) = await TimelineQueries.FindAsync(db, caller, videoId, null, cancellationToken);
        return video is null || run is null ? null : await MarksAsync(db, run.Id, cancellationToken);
    }

    /// <summary>Marks <paramref name="track"/> (null: the whole video) of the current run reviewed by the caller; null if there is no such video, run or track.</summary>
    public async Task<IReadOnlyList<ReviewMarkDto>?> MarkAsync(ICurrentUser caller, Guid videoId, int? track, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var (video, run) = await TimelineQueries.FindAsync(db, caller, videoId, null, cancellationToken);
        if (video is null || run is null || (track is { } number && !await db.Tracks.AnyAsync(t => t.RunId == run.Id && t.TrackNumber == number, cancellationToken)))
        {
            return null;
        }

        var existing = await db.ReviewMarks.SingleOrDefaultAsync(m => m.RunId == run.Id && m.TrackNumber == track, cancellationToken);
        if (existing is null)
        {
            db.ReviewMarks.Add(ReviewMark.Create(video.Id, run.Id, track, caller.OwnerId, clock.GetUtcNow()));
        }
        else
        {
            existing.Renew(caller.OwnerId, clock.GetUtcNow());
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // Two marks of the same track at once: the other one was stored, which is what both asked for.
        }

        await audit.WriteAsync(AuditActions.ReviewMarked, "video", video.Id.ToString(), track is { } marked ? $"track {marked}" : "the whole video", actorId: caller.OwnerId);

        return await MarksAsync(db, run.Id, cancellationToken);
    }

    /// <summary>Removes the mark of <paramref name="track"/> (null: the whole-video mark); false if there is no such video or run.</summary>
    public async Task<bool> UnmarkAsync(ICurrentUser caller, Guid videoId, int? track, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var (video, run) = await TimelineQueries.FindAsync(db, caller, videoId, null, cancellationToken);
        if (video is null || run is null)
        {
            return false;
        }

        await db.ReviewMarks.Where(m => m.RunId == run.Id && m.TrackNumber == track).ExecuteDeleteAsync(cancellationToken);
        await audit.WriteAsync(AuditActions.ReviewUnmarked, "video", video.Id.ToString(), track is { } unmarked ? $"track {unmarked}" : "the whole video", actorId: caller.OwnerId);
        return true;
    }

    private static async Task<IReadOnlyList<ReviewMarkDto>> MarksAsync(PortalDbContext db, Guid runId, CancellationToken cancellationToken) =>
        (await db.ReviewMarks.AsNoTracking().Where(m => m.RunId == runId).ToListAsync(cancellationToken))
        .OrderBy(m => m.TrackNumber ?? 0)
        .Select(m => new ReviewMarkDto(m.TrackNumber, m.ReviewerId, m.ReviewedAt))
        .ToList();
}
