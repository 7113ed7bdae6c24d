using Hangfire;
using Hangfire.Server;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Data.Entities;
using Portal.Data.Media;

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
    private readonly DateTimeOffset _startedAt = clock.GetUtcNow();
    // Signalled by Hangfire (shutdown, job deleted) or by this context when it sees the run was canceled, so that
    // ffmpeg processes and inference loops that use it stop at once.
    private readonly CancellationTokenSource _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
    private DateTimeOffset _lastReport = DateTimeOffset.MinValue;

    public PortalDbContext Db => db;

    public ProcessingRun Run => run;

    public Video Video => video;

    /// <summary>Pass this to every long operation of the stage (ffmpeg, frame reading, inference loops).</summary>
    public CancellationToken CancellationToken => _stop.Token;

    /// <summary>
    /// Records the stage's fraction done and an ETA (at most every 2 s), and throws
    /// <see cref="OperationCanceledException"/> when the run was canceled meanwhile: a stage stops within seconds.
    /// </summary>
    public async Task ReportAsync(double fraction)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var now = clock.GetUtcNow();
        if (now - _lastReport < TimeSpan.FromSeconds(2))
        {
            return;
        }

        _lastReport = now;
        await using var progressDb = await dbFactory.CreateDbContextAsync(cancellationToken);
        // A run that is gone was deleted with its video: stop as for a cancel, cleaning up as a cancel does.
        var status = await progressDb.Runs.Where(r => r.Id == run.Id).Select(r => (RunStatus?)r.Status).SingleOrDefaultAsync(cancellationToken);
        if (status is null or RunStatus.Canceled)
        {
            await _stop.CancelAsync();
            throw new OperationCanceledException("The video was canceled.", _stop.Token);
        }

        var current = await progressDb.Videos.SingleAsync(v => v.Id == video.Id, cancellationToken);
        DateTimeOffset? eta = fraction > 0.02 ? _startedAt + (now - _startedAt) / fraction : null;
        current.ReportProgress(stage, PipelineStages.Overall(stage, fraction), eta, now);
        await progressDb.SaveChangesAsync(cancellationToken);
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
/// One stage of the pipeline as a Hangfire job over a run id. Re-entrant: a run that is finished or has already
/// completed this stage is skipped (on to the next stage), so a job that runs twice after a crash does its work once.
/// A stage stores its results and marks itself completed in one transaction, then enqueues the next stage.
/// Errors retrying cannot fix (<see cref="PipelineFailure"/>) fail the video at once; others are retried with backoff
/// and fail the video when the retries are spent.
/// </summary>
public abstract class PipelineStageJob(PipelineStageServices services)
{
    protected const int RetryAttempts = 3;

    protected PipelineStageServices Services => services;

    protected abstract string Stage { get; }

    /// <summary>Does the stage's work and adds its results to <see cref="StageContext.Db"/> without saving them.</summary>
    protected abstract Task ExecuteAsync(StageContext context);

    /// <summary>True for the stage whose completion ends the run as Succeeded.</summary>
    protected virtual bool IsLastStage => false;

    /// <summary>Enqueues the stage after this one (nothing for the last stage).</summary>
    protected abstract void EnqueueNext(IBackgroundJobClient jobs, Guid runId);

    /// <param name="runId">The run to work on.</param>
    /// <param name="performContext">Supplied by Hangfire; null when called directly.</param>
    /// <param name="cancellationToken">Supplied by Hangfire: signalled on shutdown or when the job is deleted (cancel).</param>
    [AutomaticRetry(Attempts = RetryAttempts, DelaysInSeconds = [5, 30, 120], OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    public async Task RunAsync(Guid runId, PerformContext? performContext, CancellationToken cancellationToken)
    {
        try
        {
            await RunStageAsync(runId, performContext, cancellationToken);
        }
        catch (PipelineFailure e)
        {
            await EndRunAsync(runId, e.Message, canceled: false);
        }
        catch (OperationCanceledException)
        {
            if (!await IsCanceledAsync(runId))
            {
                throw; // shutdown: Hangfire runs the job again on the next start
            }

            services.Logger.LogInformation("Run {RunId} canceled during {Stage}", runId, Stage);
        }
        catch (Exception e) when (e is not OperationCanceledException && JobAttempts.IsLast(performContext, RetryAttempts))
        {
            await EndRunAsync(runId, $"Stage '{Stage}' failed after {RetryAttempts + 1} attempts: {e.Message}", canceled: false);
            throw;
        }
    }

    private async Task RunStageAsync(Guid runId, PerformContext? performContext, CancellationToken cancellationToken)
    {
        await using var db = await services.DbFactory.CreateDbContextAsync(cancellationToken);
        var run = await db.Runs.SingleOrDefaultAsync(r => r.Id == runId, cancellationToken);
        if (run is null || run.IsFinished)
        {
            return;
        }

        if (PipelineStages.IsDone(run.CompletedStage, Stage))
        {
            // Done before a crash, but the next stage may not have been enqueued: enqueue it (it skips if done too).
            EnqueueNext(services.Jobs, runId);
            return;
        }

        var video = await db.Videos.SingleAsync(v => v.Id == run.VideoId, cancellationToken);
        run.Start();
        video.StartStage(Stage, PipelineStages.Overall(Stage, 0), services.Clock.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        services.Logger.LogInformation("Run {RunId}: stage {Stage} started (job {JobId})", runId, Stage, performContext?.BackgroundJob.Id);

        // The stage's results and its checkpoint: one transaction, however many times the stage flushes its results.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        using var context = new StageContext(services.DbFactory, db, run, video, Stage, services.Clock, cancellationToken);
        await ExecuteAsync(context);
        run.CompleteStage(Stage);
        var now = services.Clock.GetUtcNow();
        video.ReportProgress(Stage, PipelineStages.Overall(Stage, 1), null, now);
        if (IsLastStage)
        {
            run.MarkSucceeded(now);
            video.MarkSucceeded(now);
        }

        await db.SaveChangesAsync(cancellationToken); // the last results + checkpoint (+ the end of the run)
        await transaction.CommitAsync(cancellationToken);
        services.Logger.LogInformation("Run {RunId}: stage {Stage} done", runId, Stage);

        EnqueueNext(services.Jobs, runId);
    }

    /// <summary>Canceled, or deleted with its video.</summary>
    private async Task<bool> IsCanceledAsync(Guid runId)
    {
        await using var db = await services.DbFactory.CreateDbContextAsync();
        return !await db.Runs.AnyAsync(r => r.Id == runId && r.Status != RunStatus.Canceled);
    }

    /// <summary>Ends the run and its video as Failed (unless already ended).</summary>
    protected async Task EndRunAsync(Guid runId, string reason, bool canceled)
    {
        await using var db = await services.DbFactory.CreateDbContextAsync();
        var run = await db.Runs.SingleOrDefaultAsync(r => r.Id == runId);
        if (run is null || run.IsFinished)
        {
            return;
        }

        var now = services.Clock.GetUtcNow();
        var video = await db.Videos.SingleAsync(v => v.Id == run.VideoId);
        if (canceled)
        {
            run.MarkCanceled(now);
            video.MarkCanceled(now);
        }
        else
        {
            run.MarkFailed(reason, now);
            video.MarkFailed(reason, now);
        }

        await db.SaveChangesAsync();
        services.Logger.LogInformation("Run {RunId} failed at {Stage}: {Reason}", runId, Stage, reason);
    }
}

/// <summary>An error a retry cannot fix (a broken file, a missing model); the message is for a person.</summary>
public sealed class PipelineFailure(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>What every stage job needs, in one constructor parameter.</summary>
public sealed class PipelineStageServices(
    IDbContextFactory<PortalDbContext> dbFactory,
    IMediaStore media,
    IBackgroundJobClient jobs,
    IOptions<PipelineOptions> options,
    ModelRegistry models,
    TimeProvider clock,
    ILogger<PipelineStageJob> logger)
{
    public IDbContextFactory<PortalDbContext> DbFactory => dbFactory;

    public IMediaStore Media => media;

    public IBackgroundJobClient Jobs => jobs;

    public PipelineOptions Options => options.Value;

    public ModelRegistry Models => models;

    public TimeProvider Clock => clock;

    public ILogger Logger => logger;
}
