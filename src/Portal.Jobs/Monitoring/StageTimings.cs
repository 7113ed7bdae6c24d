using Hangfire.Server;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Npgsql;
using Portal.Data;
using Portal.Jobs.Pipeline;

namespace Portal.Jobs.Monitoring;

/// <summary>
/// Stores one <see cref="StageTiming"/> for a stage that has just committed its results (see the entity for why that
/// never counts a stage twice). Called by <see cref="PipelineJob.RunAsync"/>, next to the stage metrics.
/// </summary>
public sealed class StageTimings(IDbContextFactory<PortalDbContext> dbFactory, TimeProvider clock, ILogger<StageTimings> logger)
{
    public DateTimeOffset Now => clock.GetUtcNow();

    /// <param name="stage">The stage that completed.</param>
    /// <param name="videoId">The video it worked on, as <see cref="PipelineJob.RunAsync"/> resolved it for its log scope.</param>
    /// <param name="runId">The run it worked on; null for the probe, whose run is the video's current one once it has committed.</param>
    /// <param name="startedAt">When this attempt began (<see cref="Now"/>).</param>
    /// <param name="frames">Frames analysed; 0 for a stage that analyses none (stored as null).</param>
    /// <param name="performContext">Hangfire's: names the job and, through its Processing state, the server.</param>
    /// <remarks>
    /// A failure is logged, never thrown: the stage's results are committed, and a retry would only skip it. Should
    /// two attempts both finish, the unique index on run + stage keeps the first.
    /// </remarks>
    public async Task RecordAsync(PipelineStage stage, Guid videoId, Guid? runId, DateTimeOffset startedAt, int frames, PerformContext? performContext)
    {
        var finishedAt = Now;
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
            runId ??= await db.Videos.Where(v => v.Id == videoId).Select(v => v.CurrentRunId).SingleOrDefaultAsync();
            db.StageTimings.Add(StageTiming.Create(
                videoId, runId, stage.Name, startedAt, finishedAt, frames > 0 ? frames : null,
                ServerOf(performContext), Environment.MachineName, performContext?.BackgroundJob.Id));
            await db.SaveChangesAsync(CancellationToken.None);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.ForeignKeyViolation })
        {
            // Another attempt finished this stage too (kept: the first), or the video was deleted meanwhile.
            logger.LogInformation("No timing stored for {Stage} of {Video}: {Reason}", stage.Name, videoId, e.InnerException.Message);
        }
        catch (Exception e) when (e is DbUpdateException or InvalidOperationException or NpgsqlException)
        {
            logger.LogWarning(e, "Could not store the timing of {Stage} of {Video}", stage.Name, videoId);
        }
    }

    /// <summary>The server id Hangfire wrote into the job's Processing state (the state an executing job is in).</summary>
    private static string? ServerOf(PerformContext? context) =>
        context?.Connection.GetStateData(context.BackgroundJob.Id)?.Data is { } data && data.TryGetValue("ServerId", out var server) ? server : null;
}

/// <summary>One stage's figures over a period: how many times it completed, its mean duration, and frames per second.</summary>
/// <param name="FramesPerSecond">Analysed frames over the stage's wall time; null for a stage that analyses none.</param>
public sealed record StagePeriod(int Completed, TimeSpan? MeanDuration, double? FramesPerSecond);

/// <summary>A stage's figures over the last hour and the last day.</summary>
public sealed record StageFigures(string Stage, StagePeriod LastHour, StagePeriod LastDay);

/// <summary>The times of one stage row, as the aggregation reads them.</summary>
public sealed record StageSample(string Stage, DateTimeOffset StartedAt, DateTimeOffset FinishedAt, int? Frames);

/// <summary>The per-stage throughput figures of the admin console, pure so that it is tested on hand-made rows.</summary>
public static class StageThroughput
{
    /// <summary>Every stage of <see cref="PipelineStages.All"/> in order, figured over the rows that finished in each period.</summary>
    public static IReadOnlyList<StageFigures> Aggregate(IEnumerable<StageSample> samples, DateTimeOffset now)
    {
        var rows = samples.ToList();
        return PipelineStages.All.Select(stage =>
        {
            var mine = rows.Where(r => r.Stage == stage.Name).ToList();
            return new StageFigures(stage.Name, Period(mine, now - TimeSpan.FromHours(1), now), Period(mine, now - TimeSpan.FromDays(1), now));
        }).ToList();
    }

    private static StagePeriod Period(List<StageSample> rows, DateTimeOffset from, DateTimeOffset now)
    {
        var inPeriod = rows.Where(r => r.FinishedAt > from && r.FinishedAt <= now).ToList();
        if (inPeriod.Count == 0)
        {
            return new StagePeriod(0, null, null);
        }

        var seconds = inPeriod.Sum(r => (r.FinishedAt - r.StartedAt).TotalSeconds);
        // Frames per second of the stage's own wall time, over the rows that analysed frames, so that a stage is not
        // diluted by runs of it that had none.
        var withFrames = inPeriod.Where(r => r.Frames is > 0).ToList();
        var frameSeconds = withFrames.Sum(r => (r.FinishedAt - r.StartedAt).TotalSeconds);
        return new StagePeriod(
            inPeriod.Count,
            TimeSpan.FromSeconds(seconds / inPeriod.Count),
            withFrames.Count > 0 && frameSeconds > 0 ? withFrames.Sum(r => r.Frames!.Value) / frameSeconds : null);
    }
}
