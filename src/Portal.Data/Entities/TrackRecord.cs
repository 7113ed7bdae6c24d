namespace Portal.Data.Entities;

/// <summary>
/// One tracked person of a run. <see cref="Poses"/> holds every frame of the track in one compact blob (format in
/// <c>Portal.Inference.Blobs.PoseBlob</c>): a row per track, not per keypoint.
/// </summary>
public class TrackRecord
{
    private TrackRecord()
    {
    }

    public long Id { get; private set; }

    public Guid RunId { get; private set; }

    /// <summary>The person's number within the run, 1, 2, ...: the id shown to people and used by the API.</summary>
    public int TrackNumber { get; private set; }

    public double StartSeconds { get; private set; }

    public double EndSeconds { get; private set; }

    public int FrameCount { get; private set; }

    public byte[] Poses { get; private set; } = [];

    public static TrackRecord Create(Guid runId, int trackNumber, double startSeconds, double endSeconds, int frameCount, byte[] poses) => new()
    {
        RunId = runId,
        TrackNumber = trackNumber,
        StartSeconds = startSeconds,
        EndSeconds = endSeconds,
        FrameCount = frameCount,
        Poses = poses,
    };
}
