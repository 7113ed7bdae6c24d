using Portal.Data;

namespace Portal.Jobs.Pipeline;

/// <summary>Creates processing runs (first processing and re-processing with another model) and starts them.</summary>
public sealed class RunStarter(ModelRegistry models, IOptions<PipelineOptions> options, IOptions<VideoLimitOptions> limits, IBackgroundJobClient jobs, TimeProvider clock)
{
    /// <summary>
    /// Adds a run for <paramref name="video"/> with the configured pose model and <paramref name="model"/> (or the
    /// configured default action model; either shipped or registered) to <paramref name="db"/>, unsaved, and makes it the video's current run.
    /// </summary>
    /// <exception cref="PipelineFailure">A model is not installed, or the video is longer than the limit.</exception>
    public Guid AddRun(PortalDbContext db, Video video, string? model)
    {
        // Checked here, where every run starts (first processing and reprocessing), so no path skips it.
        var maxSeconds = limits.Value.MaxDurationSeconds;
        if (video.DurationSeconds is { } seconds && seconds > maxSeconds)
        {
            throw new PipelineFailure(
                $"The video lasts {VideoLimitOptions.FormatDuration(seconds)}; videos up to {VideoLimitOptions.FormatDuration(maxSeconds)} long are processed.");
        }

        var pose = models.PoseCard(options.Value.PoseModel);
        var action = models.ResolveActionCard(db, model);
        var stride = options.Value.WindowStrideSeconds ?? action.Window.StrideSeconds;
        var now = clock.GetUtcNow();
        var run = ProcessingRun.Create(Guid.CreateVersion7(), video, new RunModels(pose.Name, pose.Version, action.Name, action.Version), options.Value.AnalysisFps, stride, now);
        db.Runs.Add(run);
        video.AttachRun(run.Id, now);
        return run.Id;
    }

    /// <summary>Enqueues the first stage of a run: the one after the probe (a run is made once its video is probed).</summary>
    public void EnqueueFirstStage(Guid runId) => PipelineStages.EnqueueAfter(jobs, PipelineStages.Probe, runId);
}
