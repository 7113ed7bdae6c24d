using Hangfire.Server;
using Microsoft.EntityFrameworkCore;
using Portal.Data;

namespace Portal.Jobs.Pipeline;

internal static class JobAttempts
{
    /// <summary>True when this run is the last one Hangfire's automatic retry will make.</summary>
    public static bool IsLast(PerformContext? context, int retryAttempts) =>
        context is null || context.GetJobParameter<int>("RetryCount") >= retryAttempts;
}

internal static class VideoFailures
{
    /// <summary>Ends a video as Failed unless it already ended; used when a job gives up.</summary>
    public static async Task MarkFailedAsync(IDbContextFactory<PortalDbContext> dbFactory, TimeProvider clock, Guid videoId, string reason)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var video = await db.Videos.SingleOrDefaultAsync(v => v.Id == videoId);
        if (video is null || video.IsFinished)
        {
            return;
        }

        video.MarkFailed(reason, clock.GetUtcNow());
        await db.SaveChangesAsync();
    }
}
