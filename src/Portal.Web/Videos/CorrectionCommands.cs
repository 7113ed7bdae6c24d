using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Portal.Web.Accounts;

namespace Portal.Web.Videos;

/// <summary>People's corrections of the current run's segments: applied, stored with who, when, before and after.</summary>
public sealed class CorrectionCommands(IDbContextFactory<PortalDbContext> dbFactory, TimeProvider clock, AuditLog audit)
{
    /// <summary>Applies <paramref name="request"/> to the video's current run and returns the corrected track; null if there is no such video, run or track.</summary>
    /// <exception cref="CorrectionException">The change does not fit the track's segments.</exception>
    /// <exception cref="CorrectionConflictException">Someone changed the run's segments since the version the request was made against.</exception>
    public async Task<CorrectionResultDto?> ApplyAsync(ICurrentUser caller, Guid videoId, CorrectionRequest request, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var (video, run) = await TimelineQueries.FindAsync(db, caller, videoId, null, cancellationToken);
        if (video is null || run is null)
        {
            return null;
        }

        if (request.RunId is { } expectedRun && expectedRun != run.Id)
        {
            throw new CorrectionConflictException("The video was processed again since you loaded it, so its segments are new.");
        }

        var version = await CurrentVersionAsync(db, run.Id, cancellationToken);
        if (request.Version is { } expected && expected != version)
        {
            throw new CorrectionConflictException(StaleMessage);
        }

        var track = await db.Tracks.AsNoTracking().Where(t => t.RunId == run.Id && t.TrackNumber == request.Track)
            .Select(t => new { t.TrackNumber, t.StartSeconds, t.EndSeconds, t.FrameCount }).SingleOrDefaultAsync(cancellationToken);
        if (track is null)
        {
            return null;
        }

        var before = await TimelineQueries.CurrentSegmentsAsync(db, video.Id, run.Id, track.TrackNumber, cancellationToken);
        var after = SegmentEdits.Apply(before, request);
        db.SegmentCorrections.Add(SegmentCorrection.Create(
            run.Id,
            version + 1,
            track.TrackNumber,
            request.Kind,
            caller.OwnerId,
            clock.GetUtcNow(),
            JsonSerializer.Serialize(before, JsonSerializerOptions.Web),
            JsonSerializer.Serialize(after, JsonSerializerOptions.Web)));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // Another save took version + 1 between our read and our write: its "before" was ours, so ours is stale.
            throw new CorrectionConflictException(StaleMessage);
        }

        await audit.WriteAsync(AuditActions.CorrectionSaved, "video", video.Id.ToString(), $"{request.Kind} on track {track.TrackNumber}, version {version + 1}", actorId: caller.OwnerId);
        return new CorrectionResultDto(track.TrackNumber, Math.Round(track.StartSeconds, 3), Math.Round(track.EndSeconds, 3), track.FrameCount, after, version + 1);
    }

    private const string StaleMessage = "Someone else changed these segments since you loaded them.";

    /// <summary>The run's corrections version: the number of corrections made to it (0 for none).</summary>
    internal static async Task<int> CurrentVersionAsync(PortalDbContext db, Guid runId, CancellationToken cancellationToken) =>
        await db.SegmentCorrections.Where(c => c.RunId == runId).MaxAsync(c => (int?)c.Version, cancellationToken) ?? 0;

    /// <summary>The corrections of the video's current run, oldest first; null if there is no such video or run.</summary>
    public async Task<IReadOnlyList<CorrectionDto>?> HistoryAsync(ICurrentUser caller, Guid videoId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var (video, run) = await TimelineQueries.FindAsync(db, caller, videoId, null, cancellationToken);
        if (video is null || run is null)
        {
            return null;
        }

        var rows = await db.SegmentCorrections.AsNoTracking().Where(c => c.RunId == run.Id).OrderBy(c => c.Id).ToListAsync(cancellationToken);
        return rows.Select(c => new CorrectionDto(c.Id, c.TrackNumber, c.Kind, c.Author, c.CreatedAt,
            TimelineQueries.ParseSegments(c.BeforeJson), TimelineQueries.ParseSegments(c.AfterJson))).ToList();
    }
}

/// <summary>The correction was made against segments that have changed since; nothing was stored.</summary>
public sealed class CorrectionConflictException(string message) : Exception(message);
