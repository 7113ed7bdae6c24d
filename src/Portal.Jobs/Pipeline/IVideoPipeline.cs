using Hangfire;

namespace Portal.Jobs.Pipeline;

/// <summary>Starts the processing of an uploaded video. The web app calls this; workers do the work.</summary>
public interface IVideoPipeline
{
    /// <returns>The id of the first job.</returns>
    string Start(Guid videoId);
}

internal sealed class HangfireVideoPipeline(IBackgroundJobClient jobs) : IVideoPipeline
{
    public string Start(Guid videoId) => jobs.Enqueue<ProbeVideoJob>(job => job.RunAsync(videoId, null, CancellationToken.None));
}
