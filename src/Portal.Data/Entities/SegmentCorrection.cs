namespace Portal.Data.Entities;

/// <summary>
/// One person's change to the segments of one track of a run (relabel, split, merge, delete, add). Before and after
/// hold the whole track's segment list as JSON, so the latest correction of a track is its corrected timeline and the
/// history can be read back change by change. The model's own segments are never modified.
/// </summary>
public class SegmentCorrection
{
    private SegmentCorrection()
    {
    }

    public long Id { get; private set; }

    /// <summary>
    /// 1, 2, 3, … within the run: the run's corrections version after this change. Unique per run, so of two people
    /// saving against the same version only the first succeeds and the second gets a conflict instead of overwriting.
    /// </summary>
    public int Version { get; private set; }

    public Guid RunId { get; private set; }

    public int TrackNumber { get; private set; }

    /// <summary>relabel, split, merge, delete or add.</summary>
    public string Kind { get; private set; } = "";

    /// <summary>Who made the change: the owner id until accounts exist.</summary>
    public string Author { get; private set; } = "";

    public DateTimeOffset CreatedAt { get; private set; }

    /// <summary>JSON array of the track's segments before the change.</summary>
    public string BeforeJson { get; private set; } = "[]";

    /// <summary>JSON array of the track's segments after the change.</summary>
    public string AfterJson { get; private set; } = "[]";

    public static SegmentCorrection Create(Guid runId, int version, int trackNumber, string kind, string author, DateTimeOffset createdAt, string beforeJson, string afterJson) => new()
    {
        RunId = runId,
        Version = version,
        TrackNumber = trackNumber,
        Kind = kind,
        Author = author,
        CreatedAt = createdAt,
        BeforeJson = beforeJson,
        AfterJson = afterJson,
    };
}
