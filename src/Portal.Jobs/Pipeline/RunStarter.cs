using Hangfire;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Data.Entities;

namespace Portal.Jobs.Pipeline;

/// <summary>Creates processing runs (first processing and re-processing with another model) and starts them.</summary>
public sealed class RunStarter(ModelRegistry models, IOptions<PipelineOptions> options, IBackgroundJobClient jobs, TimeProvider clock)
{
    /// <summary>
    /// Adds a run for <paramref name="video"/> with the configured pose model and <paramref name="model"/> (or the
    /// configured action model) to <paramref name="db"/>, unsaved, and makes it the video's current run.
    /// </summary>
    /// <exception cref="PipelineFailure">A model is not installed.</exception>
    public Guid AddRun(PortalDbContext db, Video video, string? model)
    {
        var pose = models.PoseCard(options.Value.PoseModel);
        var action = models.ActionCard(model ?? options.Value.ActionModel);
        var stride = options.Value.WindowStrideSeconds ?? action.Window.StrideSeconds;
        var now = clock.GetUtcNow();
        var run = ProcessingRun.Create(Guid.CreateVersion7(), video, new RunModels(pose.Name, pose.Version, action.Name, action.Version), options.Value.AnalysisFps, stride, now);
        db.Runs.Add(run);
        video.AttachRun(run.Id, now);
        return run.Id;
    }

    public void EnqueueFirstStage(Guid runId) => jobs.Enqueue<ProxyJob>(job => job.RunAsync(runId, null, CancellationToken.None));
}
