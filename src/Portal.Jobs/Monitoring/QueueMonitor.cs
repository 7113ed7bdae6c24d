using Hangfire.Common;
using Hangfire.Storage;
using Hangfire.Storage.Monitoring;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Jobs.Pipeline;

namespace Portal.Jobs.Monitoring;

/// <summary>
/// What the admin console shows, read through Hangfire's monitoring API and the portal's own tables, so that the web
/// layer never scans Hangfire's storage itself. One <see cref="ReadAsync"/> is one consistent-enough snapshot.
/// </summary>
public sealed class QueueMonitor(
    JobStorage storage,
    IDbContextFactory<PortalDbContext> dbFactory,
    IMediaStore media,
    ModelRegistry models,
    IOptions<PipelineOptions> pipeline,
    TimeProvider clock)
{
    /// <summary>A worker whose heartbeat is older than this is flagged stale (Hangfire beats every 30 s).</summary>
    public static readonly TimeSpan StaleHeartbeat = TimeSpan.FromMinutes(2);

    /// <summary>A job processing this long while its video reports no progress is flagged stuck.</summary>
    public static readonly TimeSpan StuckAfter = TimeSpan.FromMinutes(10);

    /// <summary>How many of the newest succeeded/failed jobs the per-queue counts look at (Hangfire keeps a day of them).</summary>
    private const int FinishedJobsRead = 2000;

    public async Task<AdminOverview> ReadAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var api = storage.GetMonitoringApi();
        var processing = api.ProcessingJobs(0, 500);
        var succeeded = api.SucceededJobs(0, FinishedJobsRead);
        var failed = api.FailedJobs(0, FinishedJobsRead);

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var running = await RunningJobsAsync(db, processing, now, cancellationToken);
        return new AdminOverview(
            now,
            Queues(api, running, succeeded, failed, now),
            Workers(api, running, now),
            running,
            await FailedVideosAsync(db, cancellationToken),
            await ThroughputAsync(db, now, cancellationToken),
            await ModelsAsync(db, cancellationToken),
            new MediaUsage(media.List("videos").Sum(f => f.Length), media.List("runs").Sum(f => f.Length)));
    }

    /// <summary>Jobs waiting in each queue (every known queue, 0 when empty): one cheap query, for the metrics gauge.</summary>
    public IReadOnlyDictionary<string, long> WaitingPerQueue()
    {
        var waiting = Waiting(storage.GetMonitoringApi());
        foreach (var queue in JobQueues.All)
        {
            waiting.TryAdd(queue, 0);
        }

        return waiting;
    }

    private static Dictionary<string, long> Waiting(IMonitoringApi api) =>
        api.Queues().ToDictionary(q => q.Name, q => q.Length, StringComparer.Ordinal);

    private static List<QueueStatus> Queues(
        IMonitoringApi api, IReadOnlyList<RunningJob> running,
        JobList<SucceededJobDto> succeeded, JobList<FailedJobDto> failed,
        DateTimeOffset now)
    {
        var waiting = Waiting(api);
        var names = JobQueues.All.Concat(waiting.Keys).Concat(running.Select(r => r.Queue)).Distinct(StringComparer.Ordinal);
        var done = succeeded.Select(j => (Queue: QueueOf(j.Value.Job), At: j.Value.SucceededAt, Failed: false))
            .Concat(failed.Select(j => (Queue: QueueOf(j.Value.Job), At: j.Value.FailedAt, Failed: true)))
            .Where(j => j.At is not null)
            .Select(j => (j.Queue, Age: now - new DateTimeOffset(DateTime.SpecifyKind(j.At!.Value, DateTimeKind.Utc)), j.Failed))
            .ToList();

        return names.Select(name =>
        {
            var length = waiting.GetValueOrDefault(name);
            DateTimeOffset? oldest = length == 0 ? null : api.EnqueuedJobs(name, 0, 500)
                .Select(j => j.Value.EnqueuedAt)
                .Where(at => at is not null)
                .Select(at => (DateTimeOffset?)new DateTimeOffset(DateTime.SpecifyKind(at!.Value, DateTimeKind.Utc)))
                .Min();
            var mine = done.Where(j => j.Queue == name).ToList();
            var hours = Enumerable.Range(0, 24).Select(h => new HourCount(
                mine.Count(j => !j.Failed && (int)j.Age.TotalHours == 23 - h),
                mine.Count(j => j.Failed && (int)j.Age.TotalHours == 23 - h))).ToList();
            return new QueueStatus(
                name,
                length,
                running.Count(r => r.Queue == name),
                oldest is { } at ? now - at : null,
                mine.Count(j => !j.Failed && j.Age <= TimeSpan.FromHours(1)),
                mine.Count(j => j.Failed && j.Age <= TimeSpan.FromHours(1)),
                mine.Count(j => !j.Failed && j.Age <= TimeSpan.FromDays(1)),
                mine.Count(j => j.Failed && j.Age <= TimeSpan.FromDays(1)),
                hours);
        }).ToList();
    }

    private List<WorkerStatus> Workers(IMonitoringApi api, IReadOnlyList<RunningJob> running, DateTimeOffset now)
    {
        using var connection = storage.GetConnection();
        return api.Servers().Select(server =>
        {
            var key = WorkerIdentity.KeyOf(server.Name);
            var published = connection.GetAllEntriesFromHash(WorkerProviderPublisher.KeyPrefix + key);
            DateTimeOffset? heartbeat = server.Heartbeat is { } beat ? new DateTimeOffset(DateTime.SpecifyKind(beat, DateTimeKind.Utc)) : null;
            return new WorkerStatus(
                server.Name,
                published?.GetValueOrDefault("machine") ?? key,
                [.. server.Queues],
                server.WorkersCount,
                published?.GetValueOrDefault("provider") ?? "unknown (the worker publishes none)",
                heartbeat,
                heartbeat is null || now - heartbeat > StaleHeartbeat,
                running.Count(r => r.ServerId == server.Name));
        }).ToList();
    }

    private static async Task<List<RunningJob>> RunningJobsAsync(
        PortalDbContext db, JobList<ProcessingJobDto> processing, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var jobs = processing.Where(j => j.Value.Job is not null).Select(j =>
        {
            var stage = PipelineStages.OfJob(j.Value.Job.Type);
            var id = stage is not null && j.Value.Job.Args.Count > 0 && j.Value.Job.Args[0] is Guid guid ? guid : (Guid?)null;
            DateTimeOffset? started = j.Value.StartedAt is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : null;
            return (JobId: j.Key, j.Value.ServerId, Stage: stage, Id: id, Started: started, j.Value.Job);
        }).ToList();

        var runIds = jobs.Where(j => j.Stage?.Takes == StageId.Run && j.Id is not null).Select(j => j.Id!.Value).ToList();
        var videoOfRun = await db.Runs.Where(r => runIds.Contains(r.Id)).ToDictionaryAsync(r => r.Id, r => r.VideoId, cancellationToken);
        var videoIds = jobs.Select(j => j.Stage?.Takes == StageId.Video ? j.Id : j.Id is { } run && videoOfRun.TryGetValue(run, out var v) ? v : null)
            .ToList();
        var wanted = videoIds.OfType<Guid>().ToList();
        var videos = await db.Videos.Where(v => wanted.Contains(v.Id))
            .Select(v => new { v.Id, v.OriginalFileName, v.UpdatedAt, v.Progress })
            .ToDictionaryAsync(v => v.Id, cancellationToken);

        return jobs.Select((j, i) =>
        {
            var video = videoIds[i] is { } vid && videos.TryGetValue(vid, out var found) ? found : null;
            var busy = j.Started is { } s ? now - s : TimeSpan.Zero;
            var quiet = video is null ? busy : now - video.UpdatedAt;
            return new RunningJob(
                j.JobId,
                j.Stage?.Name ?? j.Job.Type.Name,
                QueueOf(j.Job),
                j.ServerId,
                j.Started,
                video?.Id,
                video?.OriginalFileName,
                video?.Progress,
                busy > StuckAfter && quiet > StuckAfter);
        }).ToList();
    }

    private static async Task<List<FailedVideo>> FailedVideosAsync(PortalDbContext db, CancellationToken cancellationToken) =>
        await db.Videos.Where(v => v.Status == VideoStatus.Failed)
            .OrderByDescending(v => v.UpdatedAt)
            .Take(50)
            .Select(v => new FailedVideo(v.Id, v.OriginalFileName, v.OwnerId, v.Stage, v.Error, v.UpdatedAt))
            .ToListAsync(cancellationToken);

    private static async Task<Throughput> ThroughputAsync(PortalDbContext db, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var dayAgo = now - TimeSpan.FromDays(1);
        var runs = await db.Runs.Where(r => r.Status == RunStatus.Succeeded && r.FinishedAt > dayAgo)
            .Select(r => new { r.CreatedAt, FinishedAt = r.FinishedAt!.Value, r.AnalysedFrames })
            .ToListAsync(cancellationToken);
        var seconds = runs.Sum(r => (r.FinishedAt - r.CreatedAt).TotalSeconds);
        var stages = await db.StageTimings.Where(t => t.FinishedAt > dayAgo)
            .Select(t => new StageSample(t.Stage, t.StartedAt, t.FinishedAt, t.Frames))
            .ToListAsync(cancellationToken);
        return new Throughput(
            runs.Count(r => r.FinishedAt > now - TimeSpan.FromHours(1)),
            runs.Count,
            runs.Count == 0 ? null : TimeSpan.FromSeconds(seconds / runs.Count),
            seconds > 0 ? runs.Sum(r => r.AnalysedFrames) / seconds : null,
            StageThroughput.Aggregate(stages, now));
    }

    /// <summary>
    /// Where the time of video <paramref name="videoId"/>'s current run went: each stage that completed, in order, with
    /// its duration, the wait before it and its worker. Null when there is no such video. The caller checks that the
    /// person asking may see the video.
    /// </summary>
    public async Task<VideoTimings?> VideoTimingsAsync(Guid videoId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var video = await db.Videos.Where(v => v.Id == videoId)
            .Select(v => new { v.Id, v.OriginalFileName, v.UploadedAt, v.CurrentRunId, v.Status })
            .SingleOrDefaultAsync(cancellationToken);
        if (video is null)
        {
            return null;
        }

        var runCreated = await db.Runs.Where(r => r.Id == video.CurrentRunId).Select(r => (DateTimeOffset?)r.CreatedAt).SingleOrDefaultAsync(cancellationToken);
        // The current run's stages; a video whose probe started no run has only its probe's row.
        // (EF compares a null parameter with IS NULL.)
        var runId = video.CurrentRunId;
        var rows = await db.StageTimings.Where(t => t.VideoId == videoId && t.RunId == runId).ToListAsync(cancellationToken);
        var order = PipelineStages.All.Select(s => s.Name).ToList();
        var ordered = rows.OrderBy(r => order.IndexOf(r.Stage)).ThenBy(r => r.StartedAt).ToList();

        var bars = new List<StageBar>();
        for (var i = 0; i < ordered.Count; i++)
        {
            var row = ordered[i];
            // The wait before a stage: since the stage before it finished; before the first, since the upload (the
            // probe) or since the run was made (a reprocessed run). It includes any attempt that did not complete.
            var readyAt = i > 0 ? ordered[i - 1].FinishedAt : row.Stage == PipelineStages.Probe ? video.UploadedAt : runCreated ?? video.UploadedAt;
            bars.Add(new StageBar(row.Stage, row.StartedAt, row.FinishedAt, row.FinishedAt - row.StartedAt,
                row.StartedAt > readyAt ? row.StartedAt - readyAt : TimeSpan.Zero, row.Frames, row.Server, row.Machine));
        }

        return new VideoTimings(video.Id, video.OriginalFileName, video.CurrentRunId, video.Status.ToString(), video.UploadedAt, bars);
    }

    private async Task<ModelUsage> ModelsAsync(PortalDbContext db, CancellationToken cancellationToken)
    {
        var inUse = await db.Runs
            .GroupBy(r => new { r.PoseModel, r.PoseModelVersion, r.ActionModel, r.ActionModelVersion })
            .Select(g => new ModelsInUse(g.Key.PoseModel, g.Key.PoseModelVersion, g.Key.ActionModel, g.Key.ActionModelVersion, g.Count()))
            .ToListAsync(cancellationToken);
        string? defaults;
        try
        {
            var d = models.DescribeDefaults();
            defaults = $"{d.PoseModel} {d.PoseModelVersion} + {d.ActionModel} {d.ActionModelVersion}";
        }
        catch (PipelineFailure e)
        {
            defaults = e.Message;
        }

        return new ModelUsage(pipeline.Value.PoseModel, models.ActionModelNames(), defaults, [.. inUse.OrderByDescending(m => m.Runs)]);
    }

    /// <summary>The queue a job runs on: its stage's (see <see cref="StageQueueAttribute"/>), else the one it was given.</summary>
    private static string QueueOf(Job? job) =>
        job is null ? JobQueues.Default : PipelineStages.OfJob(job.Type)?.Queue ?? job.Queue ?? JobQueues.Default;
}

public sealed record AdminOverview(
    DateTimeOffset At,
    IReadOnlyList<QueueStatus> Queues,
    IReadOnlyList<WorkerStatus> Workers,
    IReadOnlyList<RunningJob> Running,
    IReadOnlyList<FailedVideo> FailedVideos,
    Throughput Throughput,
    ModelUsage Models,
    MediaUsage Media);

/// <param name="Hours">Succeeded and failed per hour over the last 24, oldest first.</param>
public sealed record QueueStatus(
    string Name, long Waiting, int Processing, TimeSpan? OldestWaiting,
    int SucceededLastHour, int FailedLastHour, int SucceededLastDay, int FailedLastDay, IReadOnlyList<HourCount> Hours);

public sealed record HourCount(int Succeeded, int Failed);

public sealed record WorkerStatus(
    string ServerId, string Machine, IReadOnlyList<string> Queues, int WorkerCount, string Provider,
    DateTimeOffset? Heartbeat, bool Stale, int Running);

public sealed record RunningJob(
    string JobId, string Stage, string Queue, string? ServerId, DateTimeOffset? StartedAt,
    Guid? VideoId, string? VideoName, double? Progress, bool Stuck);

public sealed record FailedVideo(Guid Id, string Name, string OwnerId, string? Stage, string? Reason, DateTimeOffset At);

/// <param name="MeanRunDuration">Upload-to-done of the runs that succeeded in the last day.</param>
/// <param name="FramesPerSecond">Analysed frames over the wall time of those runs.</param>
/// <param name="Stages">Each stage's figures from the stored stage timings (<see cref="StageThroughput"/>).</param>
public sealed record Throughput(int VideosLastHour, int VideosLastDay, TimeSpan? MeanRunDuration, double? FramesPerSecond, IReadOnlyList<StageFigures> Stages);

/// <summary>One video's "where time goes": its current run's completed stages in order.</summary>
public sealed record VideoTimings(Guid VideoId, string Name, Guid? RunId, string Status, DateTimeOffset UploadedAt, IReadOnlyList<StageBar> Stages);

/// <param name="QueueWait">From when the stage could start (the stage before it finished, or the upload) to when it did.</param>
/// <param name="Server">The Hangfire server that ran it; null when it ran outside Hangfire.</param>
public sealed record StageBar(
    string Stage, DateTimeOffset StartedAt, DateTimeOffset FinishedAt, TimeSpan Duration, TimeSpan QueueWait, int? Frames, string? Server, string Machine);

public sealed record ModelsInUse(string PoseModel, string PoseVersion, string ActionModel, string ActionVersion, int Runs);

/// <param name="Defaults">The default models with their versions, or why they cannot be loaded.</param>
public sealed record ModelUsage(string PoseModel, IReadOnlyList<string> ActionModels, string? Defaults, IReadOnlyList<ModelsInUse> InUse);

public sealed record MediaUsage(long VideoBytes, long RunBytes);
