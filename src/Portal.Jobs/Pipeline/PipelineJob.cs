using System.Diagnostics;
using Hangfire.Common;
using Hangfire.Server;
using Hangfire.States;
using Microsoft.Extensions.Logging;
using Portal.Jobs.Monitoring;

namespace Portal.Jobs.Pipeline;

/// <summary>
/// A job of <see cref="PipelineStages.All"/>: the retry policy every stage shares. Errors retrying cannot fix
/// (<see cref="PipelineFailure"/>) fail the video at once; a cancellation stops quietly when the video was canceled
/// and is left to Hangfire otherwise (shutdown: the job runs again on the next start); other errors are retried with
/// backoff and fail the video when the retries are spent (<see cref="StageErrors"/>). Every execution is measured
/// here (<see cref="PortalMetrics"/>), every completed one stored (<see cref="StageTimings"/>), and each runs inside a
/// logging scope naming its video, run and stage.
/// </summary>
[StageQueue]
public abstract class PipelineJob(ILogger logger, PortalMetrics metrics, StageTimings timings)
{
    internal const int RetryAttempts = 3;

    /// <summary>This job's row of the stage table.</summary>
    protected PipelineStage Stage => PipelineStages.OfJob(GetType()) ?? throw new InvalidOperationException($"{GetType().Name} is not in PipelineStages.All.");

    /// <param name="id">What the stage works on: a video or a run (<see cref="PipelineStage.Takes"/>).</param>
    /// <param name="performContext">Supplied by Hangfire; null when called directly.</param>
    /// <param name="cancellationToken">Supplied by Hangfire: signalled on shutdown or when the job is deleted (cancel).</param>
    [AutomaticRetry(Attempts = RetryAttempts, DelaysInSeconds = [5, 30, 120], OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    public async Task RunAsync(Guid id, PerformContext? performContext, CancellationToken cancellationToken)
    {
        var stage = Stage.Name;
        // Scopes are shared by every logger of the process, so each line written while this job runs (the stage's,
        // EF Core's, ffmpeg's wrappers') carries VideoId, RunId and Stage: one video's processing can be followed in the log.
        // Resolved once: the scope names them and the stage's timing row is stored against them.
        var videoId = Stage.Takes == StageId.Video ? id : await VideoOfAsync(id, cancellationToken);
        var runId = Stage.Takes == StageId.Run ? id : (Guid?)null;
        using var scope = logger.BeginScope<IReadOnlyList<KeyValuePair<string, object?>>>(
            [new("VideoId", videoId), new("RunId", runId), new("Stage", stage)]);
        var started = Stopwatch.GetTimestamp();
        var startedAt = timings.Now;
        try
        {
            if (await RunStageAsync(id, performContext, cancellationToken) is { } frames)
            {
                metrics.StageCompleted(stage, Stopwatch.GetElapsedTime(started), frames);
                if (videoId is { } video)
                {
                    await timings.RecordAsync(Stage, video, runId, startedAt, frames, performContext);
                }
            }
        }
        catch (Exception e)
        {
            var canceled = e is OperationCanceledException && await IsCanceledAsync(id);
            var action = StageErrors.Decide(e, JobAttempts.IsLast(performContext, RetryAttempts), canceled);
            if (action != StageErrorAction.StopCanceled)
            {
                metrics.StageFailed(stage, PortalMetrics.ReasonClass(e));
            }

            switch (action)
            {
                case StageErrorAction.FailNow:
                    await FailAsync(id, e.Message);
                    return;
                case StageErrorAction.StopCanceled:
                    logger.LogInformation("{Id} canceled during {Stage}", id, Stage.Name);
                    return;
                case StageErrorAction.FailAndRethrow:
                    await FailAsync(id, $"Stage '{Stage.Name}' failed after {RetryAttempts + 1} attempts: {e.Message}");
                    throw;
                default:
                    throw;
            }
        }
        finally
        {
            // A stage leaves its frame and page buffers (megabytes each) on the large object heap, which only a full
            // collection frees, and the GC lets that heap grow by tens of megabytes before it runs one: one video's
            // buffers were still held when the next one's were allocated, and ten 4 s clips in a row took the
            // worker from 313 to 385 MiB (the GC's committed memory 42 → 92 MB). A background full collection as each
            // stage ends (0.5 ms of this thread; the work is the GC's own thread's) held the same ten at 308 → 327 MiB.
            GC.Collect(2, GCCollectionMode.Forced, blocking: false);
        }
    }

    /// <summary>The stage's work, re-entrant (<see cref="StageStart"/>); enqueues the next stage when done.</summary>
    /// <returns>The frames it analysed (0 for a stage that analyses none); null when it had nothing to do (skipped).</returns>
    protected abstract Task<int?> RunStageAsync(Guid id, PerformContext? performContext, CancellationToken cancellationToken);

    /// <summary>The video that job id <paramref name="id"/> works on (<see cref="PipelineStage.Takes"/>); null when it is gone.</summary>
    protected abstract Task<Guid?> VideoOfAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>True when the video (or run) <paramref name="id"/> was canceled or deleted.</summary>
    protected abstract Task<bool> IsCanceledAsync(Guid id);

    /// <summary>Ends the video (and run) <paramref name="id"/> as Failed with <paramref name="reason"/>, unless it already ended.</summary>
    protected abstract Task FailAsync(Guid id, string reason);
}

/// <summary>What a stage job does with what it finds when it starts.</summary>
public enum StageStart
{
    /// <summary>Nothing to do: the run (or video) is gone or has ended (canceled, failed, succeeded).</summary>
    Stop,

    /// <summary>Done before (a crash after the commit, a job that ran twice): only enqueue the next stage, which skips in turn if done.</summary>
    EnqueueNext,

    /// <summary>Do the stage.</summary>
    Run,
}

/// <summary>What a stage job does when its work throws.</summary>
public enum StageErrorAction
{
    /// <summary>End the video as Failed now; the job succeeds (a retry cannot help).</summary>
    FailNow,

    /// <summary>The video was canceled or deleted: stop quietly.</summary>
    StopCanceled,

    /// <summary>Rethrow: Hangfire retries with backoff, or runs a job stopped by shutdown again on the next start.</summary>
    Rethrow,

    /// <summary>The last attempt failed: end the video as Failed and rethrow, so that Hangfire keeps the job as Failed.</summary>
    FailAndRethrow,
}

/// <summary>The re-entrancy rule of every stage, pure so that it is tested without a database.</summary>
public static class StageStarts
{
    /// <param name="exists">Whether the run (for the probe: the video) still exists.</param>
    /// <param name="finished">Whether it has ended.</param>
    /// <param name="completed">The last stage it completed (<c>ProcessingRun.CompletedStage</c>), if any.</param>
    /// <param name="stage">The stage about to run.</param>
    public static StageStart Decide(bool exists, bool finished, string? completed, string stage) =>
        !exists || finished ? StageStart.Stop
        : PipelineStages.IsDone(completed, stage) ? StageStart.EnqueueNext
        : StageStart.Run;
}

/// <summary>The retry policy of every stage, pure so that it is tested without Hangfire or a database.</summary>
public static class StageErrors
{
    /// <param name="error">What the stage threw.</param>
    /// <param name="lastAttempt">True when Hangfire will not retry after this attempt (<see cref="JobAttempts.IsLast"/>).</param>
    /// <param name="canceled">For a cancellation: whether the video (or run) was canceled or deleted meanwhile.</param>
    public static StageErrorAction Decide(Exception error, bool lastAttempt, bool canceled) => error switch
    {
        PipelineFailure => StageErrorAction.FailNow,
        OperationCanceledException => canceled ? StageErrorAction.StopCanceled : StageErrorAction.Rethrow,
        _ => lastAttempt ? StageErrorAction.FailAndRethrow : StageErrorAction.Rethrow,
    };
}

public static class JobAttempts
{
    /// <summary>True when this run is the last one Hangfire's automatic retry will make (always when called directly).</summary>
    public static bool IsLast(PerformContext? context, int retryAttempts) =>
        context is null || context.GetJobParameter<int>("RetryCount") >= retryAttempts;
}

/// <summary>
/// Puts a pipeline job on its stage's queue (<see cref="PipelineStage.Queue"/>) whenever it is enqueued, the first time
/// and on each retry, as Hangfire's <see cref="QueueAttribute"/> does with a constant: so the table is the one place
/// that says where a stage runs.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true)]
public sealed class StageQueueAttribute : JobFilterAttribute, IElectStateFilter
{
    public void OnStateElection(ElectStateContext context)
    {
        if (context.CandidateState is EnqueuedState enqueued && PipelineStages.OfJob(context.BackgroundJob.Job.Type) is { } stage)
        {
            enqueued.Queue = stage.Queue;
        }
    }
}

/// <summary>An error a retry cannot fix (a broken file, a missing model); the message is for a person.</summary>
public sealed class PipelineFailure(string message, Exception? inner = null) : Exception(message, inner);
