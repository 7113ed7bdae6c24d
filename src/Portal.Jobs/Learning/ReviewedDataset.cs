using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Inference.Blobs;
using Portal.Inference.Skeletons;
using Portal.Inference.Timeline;

namespace Portal.Jobs.Learning;

/// <summary>What an export wrote: the counts a person or a training job checks before going on.</summary>
public sealed record ReviewedDatasetSummary(int Tracks, int Segments, IReadOnlyList<string> Labels, IReadOnlyList<Guid> VideoIds, IReadOnlyList<Guid> RunIds)
{
    /// <summary>How many reviewed videos the set holds.</summary>
    public int Videos => VideoIds.Count;
}

/// <summary>
/// Writes the reviewed training set (docs/formats.md, "Reviewed training set"; the contract with training/ in
/// issue 15): every reviewed track's skeleton JSON and a labels.json with its segments as people left them. The
/// web API, `./portal dataset export` and the training job all write it through this one class.
/// </summary>
public sealed class ReviewedDataset(IDbContextFactory<PortalDbContext> dbFactory)
{
    public const string Format = "portal-reviewed-1";

    private static readonly JsonSerializerOptions LabelsJson = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>
    /// Exports the reviewed tracks of <paramref name="ownerId"/>'s videos (null: every owner's) into
    /// <paramref name="directory"/>, which is created if needed and must hold no earlier export.
    /// </summary>
    public async Task<ReviewedDatasetSummary> ExportAsync(string? ownerId, string directory, CancellationToken cancellationToken)
    {
        if (File.Exists(Path.Combine(directory, "labels.json")) || Directory.Exists(Path.Combine(directory, "tracks")))
        {
            throw new IOException($"{directory} already holds an export (labels.json or tracks/); choose an empty directory.");
        }

        Directory.CreateDirectory(Path.Combine(directory, "tracks"));
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var marks = await (from m in db.ReviewMarks.AsNoTracking()
                           join v in db.Videos.AsNoTracking() on m.VideoId equals v.Id
                           join r in db.Runs.AsNoTracking() on m.RunId equals r.Id
                           where ownerId == null || v.OwnerId == ownerId
                           select new { Mark = m, Video = v, Run = r }).ToListAsync(cancellationToken);

        var tracks = new List<ExportedTrack>();
        var runIds = new List<Guid>();
        var fps = 0.0;
        // A video reviewed on several runs (reprocessed in between) is exported once, from its latest reviewed run:
        // its track numbers are those of one run, so file names stay unique per video and track.
        foreach (var byVideo in marks.GroupBy(x => x.Video.Id).OrderBy(g => g.Key))
        {
            var latest = byVideo.MaxBy(x => x.Run.CreatedAt)!;
            var (video, run) = (latest.Video, latest.Run);
            var runMarks = byVideo.Where(x => x.Run.Id == run.Id).Select(x => x.Mark).ToList();
            var wholeVideo = runMarks.FirstOrDefault(m => m.TrackNumber is null);
            var trackRows = await db.Tracks.AsNoTracking().Where(t => t.RunId == run.Id).OrderBy(t => t.TrackNumber).ToListAsync(cancellationToken);
            var modelSegments = (await db.Segments.AsNoTracking().Where(s => s.RunId == run.Id).ToListAsync(cancellationToken)).ToLookup(s => s.TrackNumber);
            var corrected = await LatestCorrectionsAsync(db, run.Id, cancellationToken);
            foreach (var track in trackRows)
            {
                // A track's own mark says who reviewed it; else the whole-video mark does; else nobody did.
                if ((runMarks.FirstOrDefault(m => m.TrackNumber == track.TrackNumber) ?? wholeVideo) is not { } mark)
                {
                    continue;
                }

                var current = corrected.TryGetValue(track.TrackNumber, out var edited)
                    ? edited
                    : modelSegments[track.TrackNumber].OrderBy(s => s.SegmentIndex).Select(s => new StoredSegment(s.StartSeconds, s.EndSeconds, s.Label, false)).ToList();
                var segments = current
                    .Where(s => s.Label != SegmentBuilder.Uncertain && s.EndSeconds > s.StartSeconds)
                    .Select(s => new ExportedSegment(Math.Round(s.StartSeconds, 3), Math.Round(s.EndSeconds, 3), s.Label,
                        s.Corrected ? "corrected" : "confirmed", mark.ReviewerId, mark.ReviewedAt))
                    .ToList();
                if (segments.Count == 0)
                {
                    continue;
                }

                var file = $"tracks/{video.Id}-{track.TrackNumber}.json";
                await WriteTrackAsync(Path.Combine(directory, file), video, run, track, cancellationToken);
                if (!runIds.Contains(run.Id))
                {
                    runIds.Add(run.Id);
                }

                tracks.Add(new ExportedTrack(file, video.Id, track.TrackNumber, video.OwnerId, run.ActionModel, run.ActionModelVersion, segments));
                fps = fps == 0 ? run.AnalysisFps : fps;
            }
        }

        var labels = tracks.SelectMany(t => t.Segments).Select(s => s.Label).Distinct().Order(StringComparer.Ordinal).ToList();
        var document = new LabelsDocument(Format, "coco17", fps, labels, tracks);
        await using (var stream = File.Create(Path.Combine(directory, "labels.json")))
        {
            await JsonSerializer.SerializeAsync(stream, document, LabelsJson, cancellationToken);
        }

        return new ReviewedDatasetSummary(tracks.Count, tracks.Sum(t => t.Segments.Count), labels, [.. tracks.Select(t => t.VideoId).Distinct()], runIds);
    }

    /// <summary>
    /// The track's skeleton JSON with only its person: every analysed frame from its first to its last, the frames it
    /// was lost in with no persons (times are frame / fps, as the pose stage gives them).
    /// </summary>
    private static async Task WriteTrackAsync(string path, Video video, ProcessingRun run, TrackRecord track, CancellationToken cancellationToken)
    {
        var poses = PoseBlob.Decode(track.Poses);
        var byFrame = poses.ToDictionary(p => p.Frame);
        var frames = new List<SkeletonFrame>();
        if (poses.Count > 0)
        {
            for (var f = poses[0].Frame; f <= poses[^1].Frame; f++)
            {
                frames.Add(byFrame.TryGetValue(f, out var p)
                    ? new SkeletonFrame(f, Math.Round(p.Seconds, 6), [new SkeletonPerson(track.TrackNumber,
                        p.Person.Box is { } b ? [b.X1, b.Y1, b.X2, b.Y2, b.Score] : null,
                        p.Person.Keypoints.Select(k => new[] { k.X, k.Y, k.Score }).ToList())])
                    : new SkeletonFrame(f, Math.Round(f / run.AnalysisFps, 6), []));
            }
        }

        var (width, height) = video.DisplaySize ?? (0, 0);
        await using var stream = File.Create(path);
        await SkeletonDocument.WriteAsync(stream, new SkeletonDocument
        {
            Layout = "coco17",
            Fps = run.AnalysisFps,
            Width = width,
            Height = height,
            Model = $"{run.PoseModel}@{run.PoseModelVersion}",
            Frames = frames,
        }, cancellationToken);
    }

    /// <summary>The latest correction of each track of the run: its segment list after the change, as the review page stored it.</summary>
    private static async Task<Dictionary<int, List<StoredSegment>>> LatestCorrectionsAsync(PortalDbContext db, Guid runId, CancellationToken cancellationToken)
    {
        var corrections = db.SegmentCorrections.AsNoTracking().Where(c => c.RunId == runId);
        var latest = corrections.GroupBy(c => c.TrackNumber).Select(g => g.Max(c => c.Id));
        var rows = await corrections.Where(c => latest.Contains(c.Id)).Select(c => new { c.TrackNumber, c.AfterJson }).ToListAsync(cancellationToken);
        return rows.ToDictionary(r => r.TrackNumber, r => JsonSerializer.Deserialize<List<StoredSegment>>(r.AfterJson, JsonSerializerOptions.Web) ?? []);
    }

    /// <summary>The fields of a corrected segment (the review page's SegmentDto as stored in a correction) that training needs.</summary>
    private sealed record StoredSegment(double StartSeconds, double EndSeconds, string Label, bool Corrected);

    private sealed record LabelsDocument(string Format, string Layout, double Fps, IReadOnlyList<string> Labels, IReadOnlyList<ExportedTrack> Tracks);

    private sealed record ExportedTrack(string File, Guid VideoId, int TrackNumber, string Owner, string ModelName, string ModelVersion, IReadOnlyList<ExportedSegment> Segments);

    private sealed record ExportedSegment(
        [property: JsonPropertyName("start")] double Start,
        [property: JsonPropertyName("end")] double End,
        string Label,
        string Source,
        string ReviewedBy,
        DateTimeOffset ReviewedAt);
}
