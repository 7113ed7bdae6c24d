using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Web.Accounts;

namespace Portal.Web.Videos;

/// <summary>
/// Which videos to list: by status, by action label (of the current run, people's corrections included), by a part of
/// the file name; newest first, <see cref="Limit"/> at a time from <see cref="Offset"/>.
/// </summary>
public sealed record VideoQuery(VideoStatus? Status = null, string? Label = null, string? Search = null, int Offset = 0, int Limit = VideoQuery.DefaultLimit)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;
}

/// <summary>One page of a video list and how many videos match in all.</summary>
public sealed record VideoPage(IReadOnlyList<VideoDto> Videos, int Total);

/// <summary>Reads videos for the API and the pages, always within the videos the caller may see.</summary>
public sealed class VideoCatalog(IDbContextFactory<PortalDbContext> dbFactory)
{
    /// <summary>Most labels offered for filtering; the model vocabularies are far smaller.</summary>
    private const int MaxLabels = 500;

    /// <summary>The videos matching <paramref name="query"/>: filtered, counted and paged by the database.</summary>
    public async Task<VideoPage> QueryAsync(ICurrentUser caller, VideoQuery query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var videos = db.Videos.AsNoTracking().VisibleTo(caller);
        if (query.Status is { } status)
        {
            videos = videos.Where(v => v.Status == status);
        }

        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var pattern = "%" + EscapeLike(query.Search.Trim()) + "%";
            videos = videos.Where(v => EF.Functions.ILike(v.OriginalFileName, pattern, @"\"));
        }

        if (!string.IsNullOrWhiteSpace(query.Label))
        {
            videos = WithLabel(db, videos, query.Label.Trim());
        }

        var total = await videos.CountAsync(cancellationToken);
        var page = await videos
            .OrderByDescending(v => v.UploadedAt).ThenByDescending(v => v.Id)
            .Skip(Math.Max(0, query.Offset))
            .Take(Math.Clamp(query.Limit, 1, VideoQuery.MaxLimit))
            .ToListAsync(cancellationToken);
        return new VideoPage(page.Select(VideoDto.From).ToList(), total);
    }

    /// <summary>
    /// Videos whose current run has a segment labelled <paramref name="label"/> as people see it now: a track's model
    /// segments count while the track has no correction, after that its latest correction's segments do.
    /// </summary>
    private static IQueryable<Video> WithLabel(PortalDbContext db, IQueryable<Video> videos, string label)
    {
        // jsonb containment (@>) of [{"label": …}] in a correction's segment array.
        var containsLabel = JsonSerializer.Serialize(new[] { new { label } }, JsonSerializerOptions.Web);
        return videos.Where(v =>
            db.Segments.Any(s => s.RunId == v.CurrentRunId && s.Label == label &&
                                 !db.SegmentCorrections.Any(c => c.RunId == s.RunId && c.TrackNumber == s.TrackNumber)) ||
            db.SegmentCorrections.Any(c => c.RunId == v.CurrentRunId &&
                                           !db.SegmentCorrections.Any(later => later.RunId == c.RunId && later.TrackNumber == c.TrackNumber && later.Id > c.Id) &&
                                           EF.Functions.JsonContains(c.AfterJson, containsLabel)));
    }

    /// <summary>The labels of the owner's videos' current runs as people see them now (corrections included), sorted.</summary>
    public async Task<IReadOnlyList<string>> LabelsAsync(ICurrentUser caller, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // The same rule as WithLabel; unnesting the corrections' JSON arrays has no LINQ form, hence SQL, and the owner
        // rule of VideoVisibility written out: no owner (an admin) means every video.
        var ownerId = caller.IsAdmin ? null : caller.OwnerId;
        return await db.Database.SqlQuery<string>($"""
            SELECT DISTINCT label AS "Value" FROM (
                SELECT s."Label" AS label
                FROM portal.videos v JOIN portal.segments s ON s."RunId" = v."CurrentRunId"
                WHERE ({ownerId}::text IS NULL OR v."OwnerId" = {ownerId})
                  AND NOT EXISTS (SELECT 1 FROM portal.segment_corrections c WHERE c."RunId" = s."RunId" AND c."TrackNumber" = s."TrackNumber")
                UNION
                SELECT segment->>'label'
                FROM portal.videos v JOIN portal.segment_corrections c ON c."RunId" = v."CurrentRunId"
                CROSS JOIN LATERAL jsonb_array_elements(c."AfterJson") AS segment
                WHERE ({ownerId}::text IS NULL OR v."OwnerId" = {ownerId})
                  AND NOT EXISTS (SELECT 1 FROM portal.segment_corrections later
                                  WHERE later."RunId" = c."RunId" AND later."TrackNumber" = c."TrackNumber" AND later."Id" > c."Id")
            ) AS labels
            WHERE label IS NOT NULL
            ORDER BY 1
            LIMIT {MaxLabels}
            """).ToListAsync(cancellationToken);
    }

    public async Task<VideoDto?> GetAsync(ICurrentUser caller, Guid id, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var video = await db.Videos.AsNoTracking().VisibleTo(caller).SingleOrDefaultAsync(v => v.Id == id, cancellationToken);
        return video is null ? null : VideoDto.From(video);
    }

    /// <summary>A search text taken literally by LIKE: its own %, _ and \ escaped.</summary>
    internal static string EscapeLike(string text) =>
        text.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal);
}
