using Portal.Jobs.Media;

namespace Portal.Jobs.Pipeline;

/// <summary>
/// What the web app asks of the processing: start it, stop it, clean up after it. Workers do the work; how jobs are
/// queued, found and deleted stays behind this interface.
/// </summary>
public interface IVideoPipeline
{
    /// <summary>Starts the processing of an uploaded video at the first stage of <see cref="PipelineStages.All"/>.</summary>
    /// <returns>The id of the first job.</returns>
    string Start(Guid videoId);

    /// <summary>
    /// Stops the jobs of a video whose run was just marked Canceled (or that was deleted): queued ones are removed, and a
    /// running one has its cancellation token signalled and stops within seconds.
    /// </summary>
    void Cancel(Guid videoId, Guid? runId);

    /// <summary>
    /// Deletes <paramref name="folders"/> of the media store once more after <see cref="MediaOptions.DeleteAgainAfter"/>,
    /// taking whatever a stopping stage wrote after the caller's own delete; retried until it succeeds.
    /// </summary>
    void ScheduleMediaCleanup(IReadOnlyList<string> folders);
}

internal sealed class HangfireVideoPipeline(JobStorage storage, IBackgroundJobClient jobs, IOptions<MediaOptions> mediaOptions) : IVideoPipeline
{
    /// <summary>How many jobs of each list (processing, each queue) are looked at: far more than a portal has at once.</summary>
    private const int ScanLimit = 500;

    public string Start(Guid videoId) => PipelineStages.All[0].Enqueue(jobs, videoId);

    public void Cancel(Guid videoId, Guid? runId)
    {
        // Hangfire finds jobs by id only; a stage's job is found by its argument, the video's or the run's id.
        var monitoring = storage.GetMonitoringApi();
        var processing = monitoring.ProcessingJobs(0, ScanLimit).Select(j => (j.Key, j.Value.Job));
        var enqueued = monitoring.Queues().SelectMany(q => monitoring.EnqueuedJobs(q.Name, 0, ScanLimit)).Select(j => (j.Key, j.Value.Job));
        foreach (var (id, job) in processing.Concat(enqueued))
        {
            if (job?.Args.OfType<Guid>().Any(a => a == videoId || a == runId) == true)
            {
                jobs.Delete(id);
            }
        }
    }

    public void ScheduleMediaCleanup(IReadOnlyList<string> folders)
    {
        var copy = folders.ToArray();
        jobs.Schedule<MediaCleanupJob>(job => job.DeleteFolders(copy), mediaOptions.Value.DeleteAgainAfter);
    }
}
