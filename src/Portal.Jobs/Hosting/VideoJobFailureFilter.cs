using Hangfire.States;
using Hangfire.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;

namespace Portal.Jobs.Hosting;

/// <summary>
/// When a video's job fails for good (its retries are spent), the video is marked Failed with the error, so a
/// person sees it ends instead of a video that stays "Processing" for ever.
/// </summary>
public sealed class VideoJobFailureFilter(IServiceProvider services) : IApplyStateFilter
{
    public void OnStateApplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
    {
        if (context.NewState is not FailedState failed)
        {
            return;
        }

        var videoId = context.BackgroundJob.Job?.Args.OfType<Guid>().FirstOrDefault();
        if (videoId is null || videoId == Guid.Empty)
        {
            return;
        }

        var factory = services.GetRequiredService<IDbContextFactory<PortalDbContext>>();
        var clock = services.GetRequiredService<TimeProvider>();
        using var db = factory.CreateDbContext();
        var video = db.Videos.SingleOrDefault(v => v.Id == videoId);
        if (video is null || video.IsFinished)
        {
            return;
        }

        video.MarkFailed($"Processing stopped after repeated errors at stage '{video.Stage}': {failed.Exception?.Message}", clock.GetUtcNow());
        db.SaveChanges();
    }

    public void OnStateUnapplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
    {
    }
}
