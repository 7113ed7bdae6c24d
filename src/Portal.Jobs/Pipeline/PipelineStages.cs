namespace Portal.Jobs.Pipeline;

/// <summary>One row of <see cref="PipelineStages.All"/>: a stage, the job that does it, its queue and its share of the progress bar.</summary>
/// <param name="Name">Stored in <c>ProcessingRun.CompletedStage</c> and <c>Video.Stage</c>: never rename one.</param>
/// <param name="Job">The Hangfire job class; its <see cref="PipelineJob.RunAsync"/> takes <paramref name="Takes"/>.</param>
/// <param name="Queue">The <see cref="JobQueues"/> queue its job is put on (<see cref="StageQueueAttribute"/>), also when retried.</param>
/// <param name="Start">The whole processing's fraction done when the stage starts.</param>
/// <param name="End">... and when it ends: the next stage's <paramref name="Start"/>.</param>
/// <param name="Takes">What the job's id is: the video for the probe (no run exists before it), the run after it.</param>
public sealed record PipelineStage(string Name, Type Job, string Queue, double Start, double End, StageId Takes)
{
    /// <summary>Enqueues the stage's job for a video or run id (<see cref="Takes"/>); returns the job's id.</summary>
    public required Func<IBackgroundJobClient, Guid, string> Enqueue { get; init; }
}

public enum StageId
{
    Video,
    Run,
}

/// <summary>
/// The stages of a video's processing in order: the one table that says which job follows which, on which queue, and
/// how much of the progress bar each stands for (rough measured proportions on a CPU; they only shape the bar).
/// </summary>
/// <remarks>
/// The actions stage does three steps in one job: windows, their classification with attention, and the merging of
/// windows into segments (<c>SegmentBuilder</c>) with each segment's keyframe time; segments are not a stage of their
/// own because they come from the windows of one track at a time, in memory, and are committed with them. Likewise the
/// poses stage decodes, estimates poses and tracks people in one pass, since frames are never stored.
/// </remarks>
public static class PipelineStages
{
    public const string Probe = "probe";
    public const string Proxy = "proxy";
    public const string Poses = "poses";
    public const string Actions = "actions";
    public const string Keyframes = "keyframes";

    /// <summary>In order. Each stage's job enqueues the next row's when it has committed its results.</summary>
    public static readonly IReadOnlyList<PipelineStage> All = Chain(
        Row<ProbeVideoJob>(Probe, JobQueues.Media, 0.02, StageId.Video),
        Row<ProxyJob>(Proxy, JobQueues.Media, 0.18, StageId.Run),
        Row<PosesJob>(Poses, JobQueues.Inference, 0.65, StageId.Run),
        Row<ActionsJob>(Actions, JobQueues.Inference, 0.10, StageId.Run),
        Row<KeyframesJob>(Keyframes, JobQueues.Media, 0.05, StageId.Run));

    public static PipelineStage Named(string name) => All.Single(s => s.Name == name);

    /// <summary>The stage whose job is <paramref name="job"/>, or null for a job that is no stage.</summary>
    public static PipelineStage? OfJob(Type job) => All.SingleOrDefault(s => s.Job == job);

    /// <summary>The stage after <paramref name="stage"/>; null after the last.</summary>
    public static PipelineStage? After(string stage)
    {
        var index = IndexOf(stage);
        return index + 1 < All.Count ? All[index + 1] : null;
    }

    /// <summary>Enqueues the stage after <paramref name="stage"/> for <paramref name="runId"/>; nothing after the last.</summary>
    /// <returns>The Hangfire job's id, or null after the last stage.</returns>
    public static string? EnqueueAfter(IBackgroundJobClient jobs, string stage, Guid runId) =>
        After(stage) is { } next ? next.Enqueue(jobs, runId) : null;

    /// <summary>The whole processing's fraction done when <paramref name="stage"/> is <paramref name="fraction"/> done.</summary>
    public static double Overall(string stage, double fraction)
    {
        var row = Named(stage);
        return row.Start + (row.End - row.Start) * Math.Clamp(fraction, 0, 1);
    }

    /// <summary>True when <paramref name="completed"/> is <paramref name="stage"/> or a later stage.</summary>
    public static bool IsDone(string? completed, string stage) => completed is not null && IndexOf(completed) >= IndexOf(stage);

    private static int IndexOf(string stage)
    {
        for (var i = 0; i < All.Count; i++)
        {
            if (All[i].Name == stage)
            {
                return i;
            }
        }

        throw new ArgumentException($"'{stage}' is not a pipeline stage.", nameof(stage));
    }

    /// <summary>A row that starts where the one before it ends and takes <paramref name="share"/> of the progress bar.</summary>
    private static Func<double, PipelineStage> Row<TJob>(string name, string queue, double share, StageId takes)
        where TJob : PipelineJob =>
        // Rounded so that the last stage ends at exactly 1 however the shares add up in floating point.
        start => new(name, typeof(TJob), queue, start, Math.Round(start + share, 6), takes)
        {
            Enqueue = (jobs, id) => jobs.Enqueue<TJob>(job => job.RunAsync(id, null, CancellationToken.None)),
        };

    private static PipelineStage[] Chain(params Func<double, PipelineStage>[] rows)
    {
        var stages = new PipelineStage[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            stages[i] = rows[i](i == 0 ? 0 : stages[i - 1].End);
        }

        return stages;
    }
}
