using Hangfire;
using Hangfire.InMemory;
using Hangfire.States;
using Portal.Jobs;

namespace Portal.UnitTests;

/// <summary>
/// The stage table and the rules every stage job follows when it starts and when it fails, without PostgreSQL: the
/// rules are pure functions, and enqueueing goes through a real Hangfire client and state machine over in-memory storage.
/// </summary>
public class PipelineStageTests
{
    private static readonly Guid RunId = Guid.CreateVersion7();

    [Fact]
    public void Table_CoversTheWholeBar_InOrder_AndNamesEveryStageJob()
    {
        var stages = PipelineStages.All;

        Assert.Equal([PipelineStages.Probe, PipelineStages.Proxy, PipelineStages.Poses, PipelineStages.Actions, PipelineStages.Keyframes], stages.Select(s => s.Name));
        Assert.Equal(0, stages[0].Start);
        Assert.Equal(1, stages[^1].End);
        Assert.All(stages.Zip(stages.Skip(1)), pair => Assert.Equal(pair.First.End, pair.Second.Start));
        Assert.All(stages, s => Assert.True(s.End > s.Start, $"{s.Name} has no share"));
        // A stage job that is not in the table would never be enqueued: every one is.
        var jobs = typeof(PipelineJob).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(PipelineJob)) && !t.IsAbstract);
        Assert.Equal(jobs.OrderBy(t => t.Name), stages.Select(s => s.Job).OrderBy(t => t.Name));
    }

    [Theory]
    [InlineData(PipelineStages.Proxy, PipelineStages.Proxy)] // completed just before a crash
    [InlineData(PipelineStages.Poses, PipelineStages.Proxy)] // a duplicate job of an earlier stage
    public void CompletedStage_IsSkipped_ToTheNext(string completed, string stage) =>
        Assert.Equal(StageStart.EnqueueNext, StageStarts.Decide(exists: true, finished: false, completed, stage));

    [Theory]
    [InlineData(null, PipelineStages.Proxy)]
    [InlineData(PipelineStages.Probe, PipelineStages.Proxy)]
    [InlineData(PipelineStages.Actions, PipelineStages.Keyframes)]
    public void StageNotYetCompleted_Runs(string? completed, string stage) =>
        Assert.Equal(StageStart.Run, StageStarts.Decide(exists: true, finished: false, completed, stage));

    [Fact]
    public void MissingOrFinishedRun_Stops()
    {
        Assert.Equal(StageStart.Stop, StageStarts.Decide(exists: false, finished: false, null, PipelineStages.Proxy)); // deleted with its video
        Assert.Equal(StageStart.Stop, StageStarts.Decide(exists: true, finished: true, PipelineStages.Proxy, PipelineStages.Poses)); // canceled or failed
        Assert.Equal(StageStart.Stop, StageStarts.Decide(exists: true, finished: true, PipelineStages.Keyframes, PipelineStages.Keyframes)); // succeeded
    }

    [Fact]
    public void NextStage_IsEnqueued_OnItsQueue()
    {
        var (storage, client) = Hangfire();

        var id = PipelineStages.EnqueueAfter(client, PipelineStages.Proxy, RunId);

        var job = storage.GetMonitoringApi().EnqueuedJobs(JobQueues.Inference, 0, 10).Single();
        Assert.Equal(id, job.Key);
        Assert.Equal(typeof(PosesJob), job.Value.Job.Type);
        Assert.Equal(RunId, job.Value.Job.Args[0]);
        Assert.Null(PipelineStages.EnqueueAfter(client, PipelineStages.Keyframes, RunId)); // after the last: nothing
        Assert.Equal(1, storage.GetMonitoringApi().EnqueuedCount(JobQueues.Inference) + storage.GetMonitoringApi().EnqueuedCount(JobQueues.Media));
    }

    [Fact]
    public void RetriedStage_StaysOnItsQueue()
    {
        var (storage, client) = Hangfire();
        var id = PipelineStages.EnqueueAfter(client, PipelineStages.Actions, RunId)!;

        // A failed attempt is scheduled, then enqueued again with a plain EnqueuedState ("default" queue), as Hangfire's
        // scheduler does.
        client.ChangeState(id, new ScheduledState(TimeSpan.FromSeconds(5)));
        client.ChangeState(id, new EnqueuedState());

        var monitoring = storage.GetMonitoringApi();
        // (The in-memory storage lists the job once per enqueue.)
        Assert.All(monitoring.EnqueuedJobs(JobQueues.Media, 0, 10), job => Assert.Equal(id, job.Key));
        Assert.Equal(2, monitoring.EnqueuedCount(JobQueues.Media));
        Assert.Equal(0, monitoring.EnqueuedCount(JobQueues.Default));
    }

    [Fact]
    public void ErrorsARetryCannotFix_FailTheVideoAtOnce() =>
        Assert.Equal(StageErrorAction.FailNow, StageErrors.Decide(new PipelineFailure("broken file"), lastAttempt: false, canceled: false));

    [Fact]
    public void OtherErrors_AreRetried_ThenFailTheVideoOnTheLastAttempt()
    {
        Assert.Equal(StageErrorAction.Rethrow, StageErrors.Decide(new IOException("disk"), lastAttempt: false, canceled: false));
        Assert.Equal(StageErrorAction.FailAndRethrow, StageErrors.Decide(new IOException("disk"), lastAttempt: true, canceled: false));
    }

    [Fact]
    public void Cancellation_StopsQuietlyWhenCanceled_AndNeverFailsTheVideoOnShutdown()
    {
        Assert.Equal(StageErrorAction.StopCanceled, StageErrors.Decide(new OperationCanceledException(), lastAttempt: false, canceled: true));
        // Shutdown: Hangfire runs the job again on the next start, however many retries were spent.
        Assert.Equal(StageErrorAction.Rethrow, StageErrors.Decide(new OperationCanceledException(), lastAttempt: true, canceled: false));
        Assert.Equal(StageErrorAction.Rethrow, StageErrors.Decide(new TaskCanceledException(), lastAttempt: true, canceled: false));
    }

    private static (InMemoryStorage Storage, BackgroundJobClient Client) Hangfire()
    {
        var storage = new InMemoryStorage();
        return (storage, new BackgroundJobClient(storage));
    }
}
