using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Entities;
using Portal.Inference.Skeletons;
using Portal.Jobs.Pipeline;

namespace Portal.Web.Videos;

/// <summary>Reads a video's processing results: timeline, poses by time range, exports. Always within one owner.</summary>
public sealed class TimelineQueries(IDbContextFactory<PortalDbContext> dbFactory)
{
    /// <summary>The timeline of <paramref name="runId"/>, or of the video's current run; null if there is none.</summary>
    public async Task<TimelineDto?> GetTimelineAsync(string ownerId, Guid videoId, Guid? runId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var (video, run) = await FindAsync(db, ownerId, videoId, runId, cancellationToken);
        if (video is null || run is null)
        {
            return null;
        }

        var tracks = await db.Tracks.AsNoTracking().Where(t => t.RunId == run.Id).OrderBy(t => t.TrackNumber)
            .Select(t => new { t.TrackNumber, t.StartSeconds, t.EndSeconds, t.FrameCount }).ToListAsync(cancellationToken);
        var segments = await db.Segments.AsNoTracking().Where(s => s.RunId == run.Id)
            .OrderBy(s => s.TrackNumber).ThenBy(s => s.SegmentIndex).ToListAsync(cancellationToken);
        var byTrack = segments.ToLookup(s => s.TrackNumber);
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
                byTrack[t.TrackNumber].Select(s => ToDto(video.Id, s)).ToList())).ToList());
    }

    /// <summary>The skeleton document (docs/formats.md) of the frames with <paramref name="from"/> ≤ time ≤ <paramref name="to"/>.</summary>
    public async Task<SkeletonDocument?> GetPosesAsync(string ownerId, Guid videoId, double from, double to, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var (video, run) = await FindAsync(db, ownerId, videoId, null, cancellationToken);
        if (video is null || run is null)
        {
            return null;
        }

        // Only the tracks that overlap the range are read: a one-hour video is served a few seconds at a time.
        var tracks = await db.Tracks.AsNoTracking()
            .Where(t => t.RunId == run.Id && t.EndSeconds >= from && t.StartSeconds <= to)
            .OrderBy(t => t.TrackNumber).ToListAsync(cancellationToken);
        var frames = tracks
            .SelectMany(t => PoseBlob.Decode(t.Poses).Where(f => f.Seconds >= from - 1e-6 && f.Seconds <= to + 1e-6).Select(f => (t.TrackNumber, Frame: f)))
            .GroupBy(x => x.Frame.Frame)
            .OrderBy(g => g.Key)
            .Select(g => new SkeletonFrame(g.Key, g.First().Frame.Seconds, g.Select(x => new SkeletonPerson(
                x.TrackNumber,
                x.Frame.Person.Box is { } b ? [b.X1, b.Y1, b.X2, b.Y2, b.Score] : null,
                x.Frame.Person.Keypoints.Select(k => new[] { k.X, k.Y, k.Score }).ToList())).ToList()))
            .ToList();
        var (width, height) = video.Rotation is 90 or 270 ? (video.Height ?? 0, video.Width ?? 0) : (video.Width ?? 0, video.Height ?? 0);
        return new SkeletonDocument { Layout = "coco17", Fps = run.AnalysisFps, Width = width, Height = height, Model = run.PoseModel, Frames = frames };
    }

    public async Task<string?> KeyframePathAsync(string ownerId, Guid videoId, int track, int segment, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var (video, run) = await FindAsync(db, ownerId, videoId, null, cancellationToken);
        if (video is null || run is null)
        {
            return null;
        }

        return await db.Segments.AsNoTracking().Where(s => s.RunId == run.Id && s.TrackNumber == track && s.SegmentIndex == segment)
            .Select(s => s.KeyframePath).SingleOrDefaultAsync(cancellationToken);
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
        s.KeyframePath is null ? null : $"/api/videos/{videoId}/keyframes/{s.TrackNumber}/{s.SegmentIndex}.png");

    private static async Task<(Video? Video, ProcessingRun? Run)> FindAsync(PortalDbContext db, string ownerId, Guid videoId, Guid? runId, CancellationToken cancellationToken)
    {
        var video = await db.Videos.AsNoTracking().SingleOrDefaultAsync(v => v.Id == videoId && v.OwnerId == ownerId, cancellationToken);
        var id = runId ?? video?.CurrentRunId;
        if (video is null || id is null)
        {
            return (video, null);
        }

        var run = await db.Runs.AsNoTracking().SingleOrDefaultAsync(r => r.Id == id && r.VideoId == videoId, cancellationToken);
        return (video, run);
    }
}
