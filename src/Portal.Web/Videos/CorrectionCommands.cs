using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Entities;

namespace Portal.Web.Videos;

/// <summary>People's corrections of the current run's segments: applied, stored with who, when, before and after.</summary>
public sealed class CorrectionCommands(IDbContextFactory<PortalDbContext> dbFactory, TimeProvider clock)
{
    /// <summary>Applies <paramref name="request"/> to the video's current run and returns the corrected track; null if there is no such video, run or track.</summary>
    /// <exception cref="CorrectionException">The change does not fit the track's segments.</exception>
    public async Task<TrackDto?> ApplyAsync(string ownerId, string author, Guid videoId, CorrectionRequest request, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var (video, run) = await TimelineQueries.FindAsync(db, ownerId, videoId, null, cancellationToken);
        if (video is null || run is null)
        {
            return null;
        }

        var track = await db.Tracks.AsNoTracking().Where(t => t.RunId == run.Id && t.TrackNumber == request.Track)
            .Select(t => new { t.TrackNumber, t.StartSeconds, t.EndSeconds, t.FrameCount }).SingleOrDefaultAsync(cancellationToken);
        if (track is null)
        {
            return null;
        }

        // REVIEW: two people editing the same track at once both start from the same "before"; the later one wins.
        var before = await TimelineQueries.CurrentSegmentsAsync(db, video.Id, run.Id, track.TrackNumber, cancellationToken);
        var after = SegmentEdits.Apply(before, request);
        db.SegmentCorrections.Add(SegmentCorrection.Create(
            run.Id,
            track.TrackNumber,
            request.Kind,
            author,
            clock.GetUtcNow(),
            JsonSerializer.Serialize(before, JsonSerializerOptions.Web),
            JsonSerializer.Serialize(after, JsonSerializerOptions.Web)));
        await db.SaveChangesAsync(cancellationToken);
        return new TrackDto(track.TrackNumber, Math.Round(track.StartSeconds, 3), Math.Round(track.EndSeconds, 3), track.FrameCount, after);
    }

    /// <summary>The corrections of the video's current run, oldest first; null if there is no such video or run.</summary>
    public async Task<IReadOnlyList<CorrectionDto>?> HistoryAsync(string ownerId, Guid videoId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var (video, run) = await TimelineQueries.FindAsync(db, ownerId, videoId, null, cancellationToken);
        if (video is null || run is null)
        {
            return null;
        }

        var rows = await db.SegmentCorrections.AsNoTracking().Where(c => c.RunId == run.Id).OrderBy(c => c.Id).ToListAsync(cancellationToken);
        return rows.Select(c => new CorrectionDto(c.Id, c.TrackNumber, c.Kind, c.Author, c.CreatedAt,
            TimelineQueries.ParseSegments(c.BeforeJson), TimelineQueries.ParseSegments(c.AfterJson))).ToList();
    }
}
