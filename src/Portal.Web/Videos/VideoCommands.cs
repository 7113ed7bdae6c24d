using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Data.Media;
using Portal.Jobs.Pipeline;
using Portal.Web.Accounts;

namespace Portal.Web.Videos;

public enum CommandOutcome
{
    Done,
    NotFound,
    Conflict,
}

/// <summary>Changes to a video's processing: cancel, reprocess, delete.</summary>
public sealed class VideoCommands(
    IDbContextFactory<PortalDbContext> dbFactory,
    RunStarter runs,
    IVideoPipeline pipeline,
    IMediaStore media,
    ModelRegistry models,
    IOptions<PipelineOptions> pipelineOptions,
    TimeProvider clock,
    AuditLog audit,
    ILogger<VideoCommands> logger)
{
    /// <summary>
    /// The action models a video can be processed with: those installed on this host, then every registered version
    /// as NAME@VERSION (any owner may reprocess with any version); and the one a new run gets without a choice (the
    /// version an admin made the default, else the configured shipped model).
    /// </summary>
    public async Task<(IReadOnlyList<string> Models, string Default)> ActionModelsAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var registered = await db.ModelVersions.AsNoTracking().OrderBy(m => m.Name).ThenBy(m => m.CreatedAt)
            .Select(m => new { Named = m.Name + "@" + m.Version, m.IsDefault }).ToListAsync(cancellationToken);
        var chosen = registered.FirstOrDefault(m => m.IsDefault)?.Named ?? pipelineOptions.Value.ActionModel;
        return ([.. models.ActionModelNames(), .. registered.Select(m => m.Named)], chosen);
    }

    /// <summary>
    /// Deletes the video with all its runs, results and corrections, and its media files (the upload, the review proxy,
    /// keyframes). A video still being processed is canceled first, so its jobs stop instead of working on nothing.
    /// </summary>
    public async Task<CommandOutcome> DeleteAsync(ICurrentUser caller, Guid videoId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var video = await db.Videos.VisibleTo(caller).SingleOrDefaultAsync(v => v.Id == videoId, cancellationToken);
        if (video is null)
        {
            return CommandOutcome.NotFound;
        }

        if (!video.IsFinished)
        {
            await CancelAsync(caller, videoId, cancellationToken);
        }

        var runIds = await db.Runs.Where(r => r.VideoId == videoId).Select(r => r.Id).ToListAsync(cancellationToken);

        // Runs, tracks, windows, segments and corrections go with the video (ON DELETE CASCADE): one statement.
        db.Videos.Remove(video);
        await db.SaveChangesAsync(CancellationToken.None);
        await audit.WriteAsync(AuditActions.VideoDeleted, "video", videoId.ToString(), video.OriginalFileName, actorId: caller.OwnerId);

        // Rows first, files second: a failure here leaves unreferenced files, never a video whose files are missing.
        // Whole folders rather than known keys, so that a half-written file of a stage that was stopping goes too.
        // A stage of the canceled run may still finish a write in the seconds before it stops, and a file may resist
        // now: the pipeline deletes the same folders once more later, retrying until it succeeds.
        var folders = runIds.Select(MediaKeys.RunFolder).Append(MediaKeys.VideoFolder(videoId)).ToArray();
        pipeline.ScheduleMediaCleanup(folders);
        foreach (var folder in folders)
        {
            try
            {
                media.DeleteFolder(folder);
            }
            catch (IOException e)
            {
                logger.LogWarning(e, "Video {VideoId} is deleted but its files under {Folder} could not all be removed", videoId, folder);
            }
        }

        return CommandOutcome.Done;
    }

    /// <summary>
    /// Cancels the video's current run: the run and the video end as Canceled, and the running stage sees it at its
    /// next check (every 2 s) and stops its ffmpeg or inference work; queued stages skip.
    /// </summary>
    public async Task<CommandOutcome> CancelAsync(ICurrentUser caller, Guid videoId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var video = await db.Videos.VisibleTo(caller).SingleOrDefaultAsync(v => v.Id == videoId, cancellationToken);
        if (video is null)
        {
            return CommandOutcome.NotFound;
        }

        if (video.IsFinished)
        {
            return CommandOutcome.Conflict;
        }

        var now = clock.GetUtcNow();
        if (video.CurrentRunId is { } runId && await db.Runs.SingleOrDefaultAsync(r => r.Id == runId, cancellationToken) is { IsFinished: false } run)
        {
            run.MarkCanceled(now);
        }

        video.MarkCanceled(now);
        await db.SaveChangesAsync(cancellationToken);
        pipeline.Cancel(videoId, video.CurrentRunId);
        await audit.WriteAsync(AuditActions.VideoCanceled, "video", videoId.ToString(), video.OriginalFileName, actorId: caller.OwnerId);
        return CommandOutcome.Done;
    }

    /// <summary>Processes a finished video again (optionally with another action model); earlier results stay.</summary>
    public async Task<(CommandOutcome Outcome, Guid? RunId, string? Error)> ReprocessAsync(ICurrentUser caller, Guid videoId, string? model, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var video = await db.Videos.VisibleTo(caller).SingleOrDefaultAsync(v => v.Id == videoId, cancellationToken);
        if (video is null)
        {
            return (CommandOutcome.NotFound, null, null);
        }

        if (!video.IsFinished || video.Width is null)
        {
            return (CommandOutcome.Conflict, null, video.Width is null ? "The video was never read successfully; upload it again." : "The video is still being processed; cancel it first.");
        }

        Guid runId;
        try
        {
            runId = runs.AddRun(db, video, model);
        }
        catch (PipelineFailure e)
        {
            return (CommandOutcome.Conflict, null, e.Message);
        }

        await db.SaveChangesAsync(cancellationToken);
        runs.EnqueueFirstStage(runId);
        await audit.WriteAsync(AuditActions.VideoReprocessed, "video", videoId.ToString(), $"run {runId}{(model is null ? "" : $" with {model}")}", actorId: caller.OwnerId);
        return (CommandOutcome.Done, runId, null);
    }
}
