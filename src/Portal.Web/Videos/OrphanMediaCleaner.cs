using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Data.Media;

namespace Portal.Web.Videos;

/// <summary>
/// Deletes the media folders of videos and runs that no longer exist. Deleting a video removes its rows first and its
/// files second, so a failure there, or a stage of a canceled run that finishes a write just after, leaves files that
/// nothing refers to; this finds them by their folder names (<see cref="MediaKeys.IdOfFolder"/>).
/// </summary>
public sealed class OrphanMediaCleaner(
    IDbContextFactory<PortalDbContext> dbFactory,
    IMediaStore media,
    IOptions<MediaOptions> options,
    TimeProvider clock,
    ILogger<OrphanMediaCleaner> logger)
{
    /// <summary>Deletes every orphaned folder untouched for the grace period; returns how many it deleted.</summary>
    public async Task<int> DeleteOrphansAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var videos = await DeleteOrphansAsync(MediaKeys.Videos, ids => db.Videos.Where(v => ids.Contains(v.Id)).Select(v => v.Id), cancellationToken);
        var runs = await DeleteOrphansAsync(MediaKeys.Runs, ids => db.Runs.Where(r => ids.Contains(r.Id)).Select(r => r.Id), cancellationToken);
        return videos + runs;
    }

    private async Task<int> DeleteOrphansAsync(string parent, Func<List<Guid>, IQueryable<Guid>> existing, CancellationToken cancellationToken)
    {
        var quietSince = clock.GetUtcNow() - options.Value.OrphanGracePeriod;
        // Folders not named by an id are not Portal's to judge; recently written ones may be waiting for their row.
        var candidates = media.ListFolders(parent)
            .Select(f => (Folder: f, Id: MediaKeys.IdOfFolder(f.Name)))
            .Where(c => c.Id is not null && c.Folder.LastWrite < quietSince)
            .ToList();
        var deleted = 0;
        foreach (var batch in candidates.Chunk(500))
        {
            var ids = batch.Select(c => c.Id!.Value).ToList();
            var known = (await existing(ids).ToListAsync(cancellationToken)).ToHashSet();
            foreach (var (folder, id) in batch.Where(c => !known.Contains(c.Id!.Value)))
            {
                try
                {
                    media.DeleteFolder(folder.Key);
                    deleted++;
                }
                catch (IOException e)
                {
                    logger.LogWarning(e, "Could not delete {Folder}, whose {Kind} {Id} no longer exists; the next sweep tries again", folder.Key, parent, id);
                }
            }
        }

        return deleted;
    }
}

/// <summary>
/// Runs <see cref="OrphanMediaCleaner"/> at start and every <see cref="MediaOptions.OrphanSweepInterval"/>. A hosted
/// service of the web host, which deletes videos, rather than a Hangfire job; several web hosts sweeping is harmless.
/// </summary>
public sealed class OrphanMediaSweeper(OrphanMediaCleaner cleaner, IOptions<MediaOptions> options, TimeProvider clock, ILogger<OrphanMediaSweeper> logger)
    : BackgroundService
{
    // A failed sweep is logged and the next one tries again: an unhandled exception here would stop the whole host.
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.OrphanSweepInterval, clock);
        do
        {
            try
            {
                var deleted = await cleaner.DeleteOrphansAsync(stoppingToken);
                if (deleted > 0)
                {
                    logger.LogInformation("Deleted the media folders of {Count} video(s) or run(s) that no longer exist.", deleted);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Looking for media without a video failed; trying again at the next sweep.");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
