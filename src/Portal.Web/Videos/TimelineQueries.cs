using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Inference.Blobs;
using Portal.Inference.Skeletons;
using Portal.Web.Accounts;

namespace Portal.Web.Videos;

/// <summary>Reads a video's processing results: timeline, poses by time range, exports. Always within the videos the caller may see.</summary>
public sealed class TimelineQueries(IDbContextFactory<PortalDbContext> dbFactory)
{
    /// <summary>
    /// The timeline of <paramref name="runId"/>, or of the video's current run, with people's corrections applied unless
    /// <paramref name="original"/> asks for the model's own segments; null if there is none.
    /// </summary>
    public async Task<TimelineDto?> GetTimelineAsync(ICurrentUser caller, Guid videoId, Guid? runId, CancellationToken cancellationToken, bool original = false)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var (video, run) = await FindAsync(db, caller, videoId, runId, cancellationToken);
        if (video is null || run is null)
        {
            return null;
        }

        var tracks = await db.Tracks.AsNoTracking().Where(t => t.RunId == run.Id).OrderBy(t => t.TrackNumber)
            .Select(t => new { t.TrackNumber, t.StartSeconds, t.EndSeconds, t.FrameCount }).ToListAsync(cancellationToken);
        var segments = await db.Segments.AsNoTracking().Where(s => s.RunId == run.Id)
            .OrderBy(s => s.TrackNumber).ThenBy(s => s.SegmentIndex).ToListAsync(cancellationToken);
        var byTrack = segments.ToLookup(s => s.TrackNumber);
        var corrected = original ? [] : await LatestCorrectionsAsync(db, run.Id, null, cancellationToken);
        return new TimelineDto(
            video.Id,
            run.Id,
            run.Status.ToString(),
            new ModelRef(run.ActionModel, run.ActionModelVersion),
            new ModelRef(run.PoseModel, run.PoseModelVersion),
            run.AnalysisFps,
            video.DurationSeconds ?? 0,
            run.Note,
            tracks.Select(t => new TrackDto(t.TrackNumber, Round(t.StartSeconds), Round(t.EndSeconds), t.FrameCount,
                corrected.TryGetValue(t.TrackNumber, out var edited) ? edited : byTrack[t.TrackNumber].Select(s => ToDto(video.Id, s)).ToList())).ToList(),
            await CorrectionCommands.CurrentVersionAsync(db, run.Id, cancellationToken));
    }

    /// <summary>The segments of one track as people see them now: the latest correction's, else the model's.</summary>
    internal static async Task<IReadOnlyList<SegmentDto>> CurrentSegmentsAsync(PortalDbContext db, Guid videoId, Guid runId, int track, CancellationToken cancellationToken)
    {
        var corrected = await LatestCorrectionsAsync(db, runId, track, cancellationToken);
        if (corrected.TryGetValue(track, out var edited))
        {
            return edited;
        }

        var segments = await db.Segments.AsNoTracking().Where(s => s.RunId == runId && s.TrackNumber == track)
            .OrderBy(s => s.SegmentIndex).ToListAsync(cancellationToken);
        return segments.Select(s => ToDto(videoId, s)).ToList();
    }

    private static async Task<Dictionary<int, IReadOnlyList<SegmentDto>>> LatestCorrectionsAsync(PortalDbContext db, Guid runId, int? track, CancellationToken cancellationToken)
    {
        var corrections = db.SegmentCorrections.AsNoTracking().Where(c => c.RunId == runId && (track == null || c.TrackNumber == track));
        var latest = corrections.GroupBy(c => c.TrackNumber).Select(g => g.Max(c => c.Id));
        var rows = await corrections.Where(c => latest.Contains(c.Id)).Select(c => new { c.TrackNumber, c.AfterJson }).ToListAsync(cancellationToken);
        return rows.ToDictionary(r => r.TrackNumber, r => ParseSegments(r.AfterJson));
    }

    internal static IReadOnlyList<SegmentDto> ParseSegments(string json) =>
        JsonSerializer.Deserialize<List<SegmentDto>>(json, JsonSerializerOptions.Web) ?? [];

    /// <summary>The skeleton document (docs/formats.md) of the frames with <paramref name="from"/> ≤ time ≤ <paramref name="to"/>.</summary>
    public async Task<SkeletonDocument?> GetPosesAsync(ICurrentUser caller, Guid videoId, double from, double to, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var (video, run) = await FindAsync(db, caller, videoId, null, cancellationToken);
        if (video is null || run is null)
        {
            return null;
        }

        // Only the tracks that overlap the range are read: a one-hour video is served a few seconds at a time.
        var tracks = await db.Tracks.AsNoTracking()
            .Where(t => t.RunId == run.Id && t.EndSeconds >= from && t.StartSeconds <= to)
            .OrderBy(t => t.TrackNumber).ToListAsync(cancellationToken);
        var frames = tracks
            .SelectMany(t => PoseBlob.DecodeBetween(t.Poses, from, to).Select(f => (t.TrackNumber, Frame: f)))
            .GroupBy(x => x.Frame.Frame)
            .OrderBy(g => g.Key)
            .Select(g => new SkeletonFrame(g.Key, g.First().Frame.Seconds, g.Select(x => new SkeletonPerson(
                x.TrackNumber,
                x.Frame.Person.Box is { } b ? [b.X1, b.Y1, b.X2, b.Y2, b.Score] : null,
                x.Frame.Person.Keypoints.Select(k => new[] { k.X, k.Y, k.Score }).ToList())).ToList()))
            .ToList();
        var (width, height) = video.DisplaySize ?? (0, 0);
        return new SkeletonDocument { Layout = "coco17", Fps = run.AnalysisFps, Width = width, Height = height, Model = run.PoseModel, Frames = frames };
    }

    /// <summary>
    /// The action windows overlapping [<paramref name="from"/>, <paramref name="to"/>] with their frame attention and,
    /// when <paramref name="joints"/>, their per-frame joint attention (float16 blobs decoded to floats).
    /// </summary>
    public async Task<AttentionDto?> GetAttentionAsync(ICurrentUser caller, Guid videoId, int? track, double from, double to, bool joints, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var (video, run) = await FindAsync(db, caller, videoId, null, cancellationToken);
        if (video is null || run is null)
        {
            return null;
        }

        var query = db.ActionWindows.AsNoTracking().Where(w => w.RunId == run.Id && w.EndSeconds >= from && w.StartSeconds <= to);
        if (track is { } number)
        {
            query = query.Where(w => w.TrackNumber == number);
        }

        // Joint attention is T x V floats per window: skipped unless asked for, so a whole-video strip stays small.
        var rows = joints
            ? await query.OrderBy(w => w.TrackNumber).ThenBy(w => w.WindowIndex).ToListAsync(cancellationToken)
            : (await query.OrderBy(w => w.TrackNumber).ThenBy(w => w.WindowIndex)
                .Select(w => new { w.TrackNumber, w.WindowIndex, w.StartSeconds, w.EndSeconds, w.TopLabel, w.TopScore, w.FrameAttention })
                .ToListAsync(cancellationToken))
                .Select(w => ActionWindowRecord.Create(run.Id, w.TrackNumber, w.WindowIndex, w.StartSeconds, w.EndSeconds, w.TopLabel, w.TopScore, [], w.FrameAttention, []))
                .ToList();
        var windows = rows.Select(w =>
        {
            var frames = HalfBlob.Decode(w.FrameAttention);
            return new AttentionWindowDto(w.TrackNumber, w.WindowIndex, Round(w.StartSeconds), Round(w.EndSeconds), w.TopLabel, w.TopScore, frames,
                joints ? SplitRows(HalfBlob.Decode(w.JointAttention), frames.Length) : null);
        }).ToList();
        return new AttentionDto(video.Id, run.Id, "coco17", windows);
    }

    private static List<float[]> SplitRows(float[] values, int rows)
    {
        if (rows == 0 || values.Length % rows != 0)
        {
            return [];
        }

        var width = values.Length / rows;
        return Enumerable.Range(0, rows).Select(r => values.AsSpan(r * width, width).ToArray()).ToList();
    }

    /// <summary>
    /// Every track's skeleton frames with its segments (corrected unless <paramref name="original"/>): the skeleton JSON
    /// of docs/formats.md regrouped per track, the training data a person has checked.
    /// </summary>
    public async Task<LabelledSkeletonsDto?> GetLabelledSkeletonsAsync(ICurrentUser caller, Guid videoId, bool original, CancellationToken cancellationToken)
    {
        var timeline = await GetTimelineAsync(caller, videoId, null, cancellationToken, original);
        if (timeline is null)
        {
            return null;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var video = await db.Videos.AsNoTracking().SingleAsync(v => v.Id == videoId, cancellationToken);
        var run = await db.Runs.AsNoTracking().SingleAsync(r => r.Id == timeline.RunId, cancellationToken);
        var segmentsByTrack = timeline.Tracks.ToDictionary(t => t.TrackId, t => t.Segments);
        var tracks = await db.Tracks.AsNoTracking().Where(t => t.RunId == run.Id).OrderBy(t => t.TrackNumber).ToListAsync(cancellationToken);
        var (width, height) = video.DisplaySize ?? (0, 0);
        return new LabelledSkeletonsDto(
            "coco17",
            run.AnalysisFps,
            width,
            height,
            timeline.PoseModel,
            timeline.Model,
            tracks.Select(t => new LabelledTrackDto(
                t.TrackNumber,
                segmentsByTrack.GetValueOrDefault(t.TrackNumber) ?? [],
                PoseBlob.Decode(t.Poses).Select(f => new LabelledFrameDto(
                    f.Frame,
                    Round(f.Seconds),
                    f.Person.Box is { } b ? [b.X1, b.Y1, b.X2, b.Y2, b.Score] : null,
                    f.Person.Keypoints.Select(k => new[] { k.X, k.Y, k.Score }).ToList())).ToList())).ToList());
    }

    public async Task<string?> KeyframeKeyAsync(ICurrentUser caller, Guid videoId, int track, int segment, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // One round trip instead of three: the review page of a long video asks for many keyframes at once.
        var currentRun = db.Videos.AsNoTracking().VisibleTo(caller).Where(v => v.Id == videoId).Select(v => v.CurrentRunId);
        return await db.Segments.AsNoTracking()
            .Where(s => currentRun.Contains(s.RunId) && s.TrackNumber == track && s.SegmentIndex == segment)
            .Select(s => s.KeyframeKey).SingleOrDefaultAsync(cancellationToken);
    }

    public static string ToCsv(TimelineDto timeline)
    {
        var csv = new StringBuilder("track_id,start_seconds,end_seconds,label,confidence,top_k\n");
        foreach (var track in timeline.Tracks)
        {
            foreach (var s in track.Segments)
            {
                var topK = string.Join(";", s.TopK.Select(t => $"{t.Label}:{t.Score.ToString("0.###", CultureInfo.InvariantCulture)}"));
                csv.Append(CultureInfo.InvariantCulture, $"{track.TrackId},{s.StartSeconds:0.###},{s.EndSeconds:0.###},{Quote(s.Label)},{s.Confidence:0.###},{Quote(topK)}\n");
            }
        }

        return csv.ToString();
    }

    public static string ToWebVtt(TimelineDto timeline)
    {
        var vtt = new StringBuilder("WEBVTT\n\n");
        var cues = timeline.Tracks.SelectMany(t => t.Segments.Select(s => (t.TrackId, Segment: s))).OrderBy(c => c.Segment.StartSeconds).ThenBy(c => c.TrackId);
        foreach (var (trackId, s) in cues)
        {
            vtt.Append(CultureInfo.InvariantCulture, $"{Timestamp(s.StartSeconds)} --> {Timestamp(s.EndSeconds)}\nPerson {trackId}: {s.Label} ({s.Confidence:P0})\n\n");
        }

        return vtt.ToString();
    }

    private static string Timestamp(double seconds)
    {
        var t = TimeSpan.FromSeconds(Math.Max(0, seconds));
        return $"{(int)t.TotalHours:00}:{t.Minutes:00}:{t.Seconds:00}.{t.Milliseconds:000}";
    }

    private static string Quote(string value) =>
        value.IndexOfAny([',', '"', '\n', ';']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

    /// <summary>Times to the millisecond: frame times come from float32 blobs and would show float noise.</summary>
    private static double Round(double seconds) => Math.Round(seconds, 3);

    private static SegmentDto ToDto(Guid videoId, SegmentRecord s) => new(
        s.SegmentIndex,
        Round(s.StartSeconds),
        Round(s.EndSeconds),
        s.Label,
        s.Confidence,
        JsonSerializer.Deserialize<List<LabelScore>>(s.TopKJson, JsonSerializerOptions.Web) ?? [],
        s.KeyframeSeconds is { } k ? Round(k) : null,
        s.KeyframeKey is null ? null : $"/api/videos/{videoId}/keyframes/{s.TrackNumber}/{s.SegmentIndex}.png");

    internal static async Task<(Video? Video, ProcessingRun? Run)> FindAsync(PortalDbContext db, ICurrentUser caller, Guid videoId, Guid? runId, CancellationToken cancellationToken)
    {
        var video = await db.Videos.AsNoTracking().VisibleTo(caller).SingleOrDefaultAsync(v => v.Id == videoId, cancellationToken);
        var id = runId ?? video?.CurrentRunId;
        if (video is null || id is null)
        {
            return (video, null);
        }

        var run = await db.Runs.AsNoTracking().SingleOrDefaultAsync(r => r.Id == id && r.VideoId == videoId, cancellationToken);
        return (video, run);
    }
}
