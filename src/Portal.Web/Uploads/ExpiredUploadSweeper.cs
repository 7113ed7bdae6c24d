using Microsoft.Extensions.Options;
using Portal.Web.Videos;

namespace Portal.Web.Uploads;

/// <summary>
/// Deletes abandoned resumable uploads every <see cref="UploadOptions.ExpirySweepInterval"/>. A hosted service of
/// the web host rather than a Hangfire job: the upload files belong to the web host, and a worker on another machine
/// need not see them.
/// </summary>
public sealed class ExpiredUploadSweeper(TusUploadStore store, IOptions<UploadOptions> options, TimeProvider clock, ILogger<ExpiredUploadSweeper> logger)
    : BackgroundService
{
    // A failed sweep is logged and the next one tries again: an unhandled exception here would stop the whole host.
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ExpirySweepInterval, clock);
        do
        {
            try
            {
                var deleted = await store.DeleteExpiredAsync(stoppingToken);
                if (deleted > 0)
                {
                    logger.LogInformation("Deleted {Count} abandoned upload(s).", deleted);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Looking for abandoned uploads failed; trying again at the next sweep.");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
