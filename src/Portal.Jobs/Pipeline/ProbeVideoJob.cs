using Hangfire;
using Hangfire.Server;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Portal.Data;
using Portal.Data.Media;
using Portal.Jobs.Media;

namespace Portal.Jobs.Pipeline;

/// <summary>
/// First stage: reads the uploaded file's metadata, then starts the video's first processing run. Re-entrant: a
/// finished video is left alone, and a video probed before a crash just has its run's next stage enqueued again.
/// A file that is not a readable video ends the video as Failed with the reason at once; other errors (database,
/// disk) are retried with backoff and end the video as Failed when the retries are spent.
/// </summary>
public sealed class ProbeVideoJob(
    IDbContextFactory<PortalDbContext> dbFactory,
    IMediaStore media,
    VideoProber prober,
    RunStarter runs,
    TimeProvider clock,
    ILogger<ProbeVideoJob> logger)
{
    public const string StageName = "probe";
    private const int RetryAttempts = 3;

    /// <param name="videoId">The video to probe.</param>
    /// <param name="context">Supplied by Hangfire; null when called directly.</param>
    /// <param name="cancellationToken">Supplied by Hangfire: signalled on shutdown or deletion of the job.</param>
    [Queue(JobQueues.Media)]
    [AutomaticRetry(Attempts = RetryAttempts, DelaysInSeconds = [5, 30, 120])]
    public async Task RunAsync(Guid videoId, PerformContext? context, CancellationToken cancellationToken)
    {
        try
        {
            await ProbeAsync(videoId, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException && JobAttempts.IsLast(context, RetryAttempts))
        {
            await VideoFailures.MarkFailedAsync(dbFactory, clock, videoId, $"Probing failed after {RetryAttempts + 1} attempts: {e.Message}");
            throw;
        }
    }

    private async Task ProbeAsync(Guid videoId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var video = await db.Videos.SingleOrDefaultAsync(v => v.Id == videoId, cancellationToken);
        if (video is null)
        {
            logger.LogWarning("Video {VideoId} no longer exists; nothing to probe", videoId);
            return;
        }

        if (video.IsFinished)
        {
            return;
        }

        if (video.CurrentRunId is { } existingRun)
        {
            runs.EnqueueFirstStage(existingRun);
            return;
        }

        video.StartStage(StageName, 0, clock.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);

        try
        {
            var probe = await prober.ProbeAsync(media.GetLocalPath(video.MediaKey), cancellationToken);
            video.RecordProbe(probe, clock.GetUtcNow());
            logger.LogInformation("Video {VideoId}: {Width}x{Height} {Codec} {Fps:0.##} fps {Duration:0.##} s", videoId, probe.Width, probe.Height, probe.Codec, probe.Fps, probe.DurationSeconds);
        }
        catch (UnreadableVideoException e)
        {
            // Not transient: retrying cannot help, so the video fails now and the file stays for inspection.
            video.MarkFailed(e.Message, clock.GetUtcNow());
            logger.LogInformation("Video {VideoId} failed at probe: {Reason}", videoId, e.Message);
        }

        if (video.IsFinished)
        {
            await db.SaveChangesAsync(CancellationToken.None);
            return;
        }

        Guid runId;
        try
        {
            runId = runs.AddRun(db, video, model: null);
        }
        catch (PipelineFailure e)
        {
            video.MarkFailed(e.Message, clock.GetUtcNow());
            await db.SaveChangesAsync(CancellationToken.None);
            return;
        }

        await db.SaveChangesAsync(CancellationToken.None); // probe results and the new run together
        runs.EnqueueFirstStage(runId);
    }
}
