namespace Portal.Jobs.Media;

/// <summary>
/// Deletes media folders again some time after their video was deleted (<see cref="MediaOptions.DeleteAgainAfter"/>),
/// taking whatever a stopping stage wrote after the first delete. Only the folders it is given: it never guesses
/// which files are orphans, so a worker pointed at the wrong database cannot empty a media library.
/// </summary>
[Queue(JobQueues.Media)]
public sealed class MediaCleanupJob(IMediaStore media)
{
    /// <summary>Idempotent: a folder that is already gone is skipped; an IO error fails the job and Hangfire retries it.</summary>
    public void DeleteFolders(string[] folders)
    {
        foreach (var folder in folders)
        {
            media.DeleteFolder(folder);
        }
    }
}
