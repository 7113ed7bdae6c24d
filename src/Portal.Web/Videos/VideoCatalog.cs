using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Entities;

namespace Portal.Web.Videos;

/// <summary>Reads videos for the API and the pages, always within one owner's videos.</summary>
public sealed class VideoCatalog(IDbContextFactory<PortalDbContext> dbFactory)
{
    public async Task<IReadOnlyList<VideoDto>> ListAsync(string ownerId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var videos = await db.Videos.AsNoTracking()
            .Where(v => v.OwnerId == ownerId)
            .OrderByDescending(v => v.UploadedAt)
            .ToListAsync(cancellationToken);
        return videos.Select(VideoDto.From).ToList();
    }

    public async Task<VideoDto?> GetAsync(string ownerId, Guid id, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var video = await db.Videos.AsNoTracking().SingleOrDefaultAsync(v => v.Id == id && v.OwnerId == ownerId, cancellationToken);
        return video is null ? null : VideoDto.From(video);
    }
}
