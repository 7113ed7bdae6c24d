using Hangfire.Server;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Portal.Data;
using Portal.Jobs.Media;
using Portal.Jobs.Monitoring;

namespace Portal.Jobs.Pipeline;

/// <summary>
/// First stage, over a video id since no run exists before it: reads the uploaded file's metadata, then starts the
/// video's first processing run. Re-entrant: a finished video is left alone, and a video probed before a crash just
/// has its run's next stage enqueued again (<see cref="StageStarts"/>). A file that is not a readable video ends the
/// video as Failed with the reason at once; other errors follow <see cref="PipelineJob"/>'s retries.
/// </summary>
public sealed class ProbeVideoJob(
    IDbContextFactory<PortalDbContext> dbFactory,
    VideoProber prober,
    RunStarter runs,
    TimeProvider clock,
    PortalMetrics metrics,
    StageTimings timings,
    ILogger<ProbeVideoJob> logger) : PipelineJob(logger, metrics, timings)
{
    protected override Task<Guid?> VideoOfAsync(Guid id, CancellationToken cancellationToken) => Task.FromResult<Guid?>(id);

    protected override async Task<int?> RunStageAsync(Guid videoId, PerformContext? performContext, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var video = await db.Videos.SingleOrDefaultAsync(v => v.Id == videoId, cancellationToken);
        // Probed means it has a run: the probe's results and the run are saved together.
        switch (StageStarts.Decide(video is not null, video?.IsFinished ?? false, video?.CurrentRunId is null ? null : Stage.Name, Stage.Name))
        {
            case StageStart.Stop:
                return null;
            case StageStart.EnqueueNext:
                runs.EnqueueFirstStage(video!.CurrentRunId!.Value);
                return null;
        }

        video!.StartStage(Stage.Name, PipelineStages.Overall(Stage.Name, 0), clock.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);

        try
        {
            var probe = await prober.ProbeAsync(video.MediaKey, cancellationToken);
            video.RecordProbe(probe, clock.GetUtcNow());
            logger.LogInformation("Video {VideoId}: {Width}x{Height} {Codec} {Fps:0.##} fps {Duration:0.##} s", videoId, probe.Width, probe.Height, probe.Codec, probe.Fps, probe.DurationSeconds);
        }
        catch (UnreadableVideoException e)
        {
            // Not transient: retrying cannot help, so the video fails now and the file stays for inspection.
            throw new PipelineFailure(e.Message, e);
        }

        Guid runId;
        try
        {
            runId = runs.AddRun(db, video, model: null);
        }
        catch (PipelineFailure e)
        {
            // No model, or too long: failed here rather than by PipelineJob so that what the probe read is kept and shown.
            video.MarkFailed(e.Message, clock.GetUtcNow());
            await db.SaveChangesAsync(CancellationToken.None);
            return 0;
        }

        await db.SaveChangesAsync(CancellationToken.None); // probe results and the new run together
        runs.EnqueueFirstStage(runId);
        return 0;
    }

    /// <summary>Canceled, or deleted.</summary>
    protected override async Task<bool> IsCanceledAsync(Guid videoId)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        return !await db.Videos.AnyAsync(v => v.Id == videoId && v.Status != VideoStatus.Canceled);
    }

    protected override async Task FailAsync(Guid videoId, string reason)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var video = await db.Videos.SingleOrDefaultAsync(v => v.Id == videoId);
        if (video is null || video.IsFinished)
        {
            return;
        }

        video.MarkFailed(reason, clock.GetUtcNow());
        await db.SaveChangesAsync();
        logger.LogInformation("Video {VideoId} failed at probe: {Reason}", videoId, reason);
    }
}
