namespace Portal.Data.Entities;

/// <summary>
/// A reviewer's word that one track of a run (or, with no <see cref="TrackNumber"/>, every track of it) has been
/// checked: its segments as they stand now, corrected or confirmed, are labelled training data. A mark belongs to a
/// run because tracks do: reprocessing makes new tracks, which nobody has reviewed yet.
/// </summary>
public class ReviewMark
{
    private ReviewMark()
    {
    }

    public long Id { get; private set; }

    public Guid VideoId { get; private set; }

    public Guid RunId { get; private set; }

    /// <summary>The track reviewed; null: the whole video (every track of the run).</summary>
    public int? TrackNumber { get; private set; }

    /// <summary>The account id of the reviewer.</summary>
    public string ReviewerId { get; private set; } = "";

    public DateTimeOffset ReviewedAt { get; private set; }

    public static ReviewMark Create(Guid videoId, Guid runId, int? trackNumber, string reviewerId, DateTimeOffset reviewedAt) => new()
    {
        VideoId = videoId,
        RunId = runId,
        TrackNumber = trackNumber,
        ReviewerId = reviewerId,
        ReviewedAt = reviewedAt,
    };

    /// <summary>Marking again counts as a new review: who and when are the latest reviewer's.</summary>
    public void Renew(string reviewerId, DateTimeOffset reviewedAt)
    {
        ReviewerId = reviewerId;
        ReviewedAt = reviewedAt;
    }
}
