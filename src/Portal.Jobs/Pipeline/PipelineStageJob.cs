using Hangfire.Server;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Portal.Data;
using Portal.Jobs.Monitoring;

namespace Portal.Jobs.Pipeline;

/// <summary>What a stage works on: the run, its video, and ways to report progress and check for cancellation.</summary>
/// <remarks>
/// A stage adds its results to <see cref="Db"/>; the job runs the whole stage in one database transaction and commits
/// it together with the stage's checkpoint, so a crash leaves either all of a stage's rows or none. A stage whose
/// results grow with the video's length hands them to PostgreSQL as it goes (<see cref="FlushResultsAsync"/>) so the
/// worker's memory does not grow with them; they stay invisible to others until the commit.
/// Progress goes through a separate short-lived context so it is visible at once.
/// </remarks>
public sealed class StageContext(
    IDbContextFactory<PortalDbContext> dbFactory,
    PortalDbContext db,
    ProcessingRun run,
    Video video,
    string stage,
    TimeProvider clock,
    CancellationToken cancellationToken) : IDisposable
{
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(2);
    private readonly StageProgress _progress = new(stage, clock, CheckInterval);
    // Signalled by Hangfire (shutdown, job deleted) or by this context when it sees the run was canceled, so that
    // ffmpeg processes and inference loops that use it stop at once.
    private readonly CancellationTokenSource _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
    private DateTimeOffset _lastCheck = DateTimeOffset.MinValue;

    public PortalDbContext Db => db;

    public ProcessingRun Run => run;

    public Video Video => video;

    /// <summary>Pass this to every long operation of the stage (ffmpeg, frame reading, inference loops).</summary>
    public CancellationToken CancellationToken => _stop.Token;

    /// <summary>
    /// Records the stage's fraction done and an ETA (at most every 2 s; never less than reported before), and throws
    /// <see cref="OperationCanceledException"/> when the run was canceled meanwhile: a stage stops within seconds.
    /// </summary>
    public async Task ReportAsync(double fraction)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_progress.Next(fraction) is not { } report)
        {
            return;
        }

        await using var progressDb = await dbFactory.CreateDbContextAsync(cancellationToken);
        await StopIfCanceledAsync(progressDb);
        var current = await progressDb.Videos.SingleAsync(v => v.Id == video.Id, cancellationToken);
        current.ReportProgress(stage, report.Overall, report.Eta, report.At);
        await progressDb.SaveChangesAsync(cancellationToken);
    }

    /// <summary>
    /// Throws <see cref="OperationCanceledException"/> when the run was canceled (looked up at most every 2 s), without
    /// touching the progress: for loops that have no fraction to report between their reports.
    /// </summary>
    public async Task ThrowIfCanceledAsync()
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (clock.GetUtcNow() - _lastCheck < CheckInterval)
        {
            return;
        }

        await using var checkDb = await dbFactory.CreateDbContextAsync(cancellationToken);
        await StopIfCanceledAsync(checkDb);
    }

    private async Task StopIfCanceledAsync(PortalDbContext checkDb)
    {
        _lastCheck = clock.GetUtcNow();
        // A run that is gone was deleted with its video: stop as for a cancel, cleaning up as a cancel does.
        var status = await checkDb.Runs.Where(r => r.Id == run.Id).Select(r => (RunStatus?)r.Status).SingleOrDefaultAsync(cancellationToken);
        if (status is null or RunStatus.Canceled)
        {
            await _stop.CancelAsync();
            throw new OperationCanceledException("The video was canceled.", _stop.Token);
        }
    }

    /// <summary>
    /// Writes the results added so far into the stage's open transaction and stops tracking them, so that memory holds
    /// only what was added since. The rows are committed with the checkpoint, or rolled back if the stage never ends.
    /// </summary>
    /// <remarks>
    /// The run and video rows must not change before the stage ends: written inside this long transaction they would
    /// stay locked, and the progress reports and a cancel request (other connections) would wait for the stage to end.
    /// </remarks>
    public async Task FlushResultsAsync()
    {
        if (db.Entry(run).State != EntityState.Unchanged || db.Entry(video).State != EntityState.Unchanged)
        {
            throw new InvalidOperationException("The run or video changed in the middle of a stage; change them only when the stage ends.");
        }

        await db.SaveChangesAsync(CancellationToken);
        foreach (var entry in db.ChangeTracker.Entries().Where(e => e.Entity != run && e.Entity != video).ToList())
        {
            entry.State = EntityState.Detached;
        }
    }

    public void Dispose() => _stop.Dispose();
}

/// <summary>
/// One stage of the pipeline after the probe, as a Hangfire job over a run id. Re-entrant: a run that is finished or
/// has already completed this stage is skipped (on to the next stage), so a job that runs twice after a crash does its
/// work once (<see cref="StageStarts"/>). A stage stores its results and marks itself completed in one transaction,
/// then enqueues the next stage of <see cref="PipelineStages.All"/>; the last one ends the run as Succeeded.
/// </summary>
public abstract class PipelineStageJob(PipelineStageServices services) : PipelineJob(services.Logger, services.Metrics, services.Timings)
{
    protected PipelineStageServices Services => services;

    /// <summary>Does the stage's work and adds its results to <see cref="StageContext.Db"/> without saving them.</summary>
    protected abstract Task ExecuteAsync(StageContext context);

    protected override async Task<Guid?> VideoOfAsync(Guid runId, CancellationToken cancellationToken)
    {
        await using var db = await services.DbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Runs.Where(r => r.Id == runId).Select(r => (Guid?)r.VideoId).SingleOrDefaultAsync(cancellationToken);
    }

    protected override async Task<int?> RunStageAsync(Guid runId, PerformContext? performContext, CancellationToken cancellationToken)
    {
        var stage = Stage.Name;
        await using var db = await services.DbFactory.CreateDbContextAsync(cancellationToken);
        var run = await db.Runs.SingleOrDefaultAsync(r => r.Id == runId, cancellationToken);
        switch (StageStarts.Decide(run is not null, run?.IsFinished ?? false, run?.CompletedStage, stage))
        {
            case StageStart.Stop:
                return null;
            case StageStart.EnqueueNext:
                // Done before a crash, but the next stage may not have been enqueued: enqueue it (it skips if done too).
                PipelineStages.EnqueueAfter(services.Jobs, stage, runId);
                return null;
        }

        var video = await db.Videos.SingleAsync(v => v.Id == run!.VideoId, cancellationToken);
        run!.Start();
        video.StartStage(stage, PipelineStages.Overall(stage, 0), services.Clock.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        services.Logger.LogInformation("Run {RunId}: stage {Stage} started (job {JobId})", runId, stage, performContext?.BackgroundJob.Id);

        // The stage's results and its checkpoint: one transaction, however many times the stage flushes its results.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        using var context = new StageContext(services.DbFactory, db, run, video, stage, services.Clock, cancellationToken);
        var framesBefore = run.AnalysedFrames;
        await ExecuteAsync(context);
        run.CompleteStage(stage);
        var now = services.Clock.GetUtcNow();
        video.ReportProgress(stage, PipelineStages.Overall(stage, 1), null, now);
        if (PipelineStages.After(stage) is null)
        {
            run.MarkSucceeded(now);
            video.MarkSucceeded(now);
        }

        await db.SaveChangesAsync(cancellationToken); // the last results + checkpoint (+ the end of the run)
        await transaction.CommitAsync(cancellationToken);
        services.Logger.LogInformation("Run {RunId}: stage {Stage} done", runId, stage);

        PipelineStages.EnqueueAfter(services.Jobs, stage, runId);
        // The stage that decodes frames records how many on the run (the poses stage); the others add none.
        return Math.Max(0, run.AnalysedFrames - framesBefore);
    }

    /// <summary>Canceled, or deleted with its video.</summary>
    protected override async Task<bool> IsCanceledAsync(Guid runId)
    {
        await using var db = await services.DbFactory.CreateDbContextAsync();
        return !await db.Runs.AnyAsync(r => r.Id == runId && r.Status != RunStatus.Canceled);
    }

    /// <summary>Ends the run and its video as Failed (unless already ended).</summary>
    protected override async Task FailAsync(Guid runId, string reason)
    {
        await using var db = await services.DbFactory.CreateDbContextAsync();
        var run = await db.Runs.SingleOrDefaultAsync(r => r.Id == runId);
        if (run is null || run.IsFinished)
        {
            return;
        }

        var now = services.Clock.GetUtcNow();
        var video = await db.Videos.SingleAsync(v => v.Id == run.VideoId);
        run.MarkFailed(reason, now);
        video.MarkFailed(reason, now);

        await db.SaveChangesAsync();
        services.Logger.LogInformation("Run {RunId} failed at {Stage}: {Reason}", runId, Stage.Name, reason);
    }
}

/// <summary>What every stage job needs, in one constructor parameter.</summary>
public sealed class PipelineStageServices(
    IDbContextFactory<PortalDbContext> dbFactory,
    IMediaStore media,
    IBackgroundJobClient jobs,
    IOptions<PipelineOptions> options,
    ModelRegistry models,
    TimeProvider clock,
    PortalMetrics metrics,
    StageTimings timings,
    ILogger<PipelineStageJob> logger)
{
    public IDbContextFactory<PortalDbContext> DbFactory => dbFactory;

    public IMediaStore Media => media;

    public IBackgroundJobClient Jobs => jobs;

    public PipelineOptions Options => options.Value;

    public ModelRegistry Models => models;

    public TimeProvider Clock => clock;

    public PortalMetrics Metrics => metrics;

    public StageTimings Timings => timings;

    public ILogger Logger => logger;
}
