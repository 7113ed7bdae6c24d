namespace Portal.Data.Entities;

/// <summary>
/// When one stage of one run ran, where, and how many frames it analysed: the stored form of what the stage metrics
/// measure, for the admin console's per-stage figures and a video's "where time goes" view.
/// </summary>
/// <remarks>
/// One row per run and stage, written only after the stage committed its results, by the attempt that committed them.
/// An attempt that was killed, stopped by a shutdown or failed writes nothing, and a job that runs again after the
/// commit skips the stage and writes nothing either; a unique index refuses a second row should two attempts both
/// finish. So figures never count a stage twice, and the time an interrupted attempt lost shows as waiting before the
/// attempt that completed.
/// </remarks>
public class StageTiming
{
    private StageTiming()
    {
    }

    public long Id { get; private set; }

    public Guid VideoId { get; private set; }

    /// <summary>The run; for the probe, the run it started (null if it started none).</summary>
    public Guid? RunId { get; private set; }

    /// <summary>A name of the stage table (<c>PipelineStages</c>).</summary>
    public string Stage { get; private set; } = "";

    public DateTimeOffset StartedAt { get; private set; }

    public DateTimeOffset FinishedAt { get; private set; }

    /// <summary>Frames the stage analysed; null for a stage that analyses none.</summary>
    public int? Frames { get; private set; }

    /// <summary>The Hangfire server that ran the attempt (as the console's worker list names it); null when run outside Hangfire.</summary>
    public string? Server { get; private set; }

    /// <summary>The machine the worker ran on.</summary>
    public string Machine { get; private set; } = "";

    public string? JobId { get; private set; }

    public static StageTiming Create(
        Guid videoId, Guid? runId, string stage, DateTimeOffset startedAt, DateTimeOffset finishedAt, int? frames,
        string? server, string machine, string? jobId) => new()
        {
            VideoId = videoId,
            RunId = runId,
            Stage = stage,
            StartedAt = startedAt,
            FinishedAt = finishedAt,
            Frames = frames,
            Server = server,
            Machine = machine,
            JobId = jobId,
        };
}
