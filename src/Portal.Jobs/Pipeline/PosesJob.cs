using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Portal.Inference.Blobs;
using Portal.Inference.Frames;
using Portal.Inference.Pose;
using Portal.Inference.Tracking;

namespace Portal.Jobs.Pipeline;

/// <summary>
/// Decode → poses → tracking, streamed: FFmpeg pipes raw RGB frames of the proxy at the analysis frame rate (scaled
/// for the pose model; no image files), the pose model finds every person in each frame, and the tracker links them
/// into people with stable numbers. Memory holds a few frames and the people currently in view: a finished track is
/// packed into its compact blob at once and handed to the database in small batches. The three steps are one job
/// because frames are never stored: the durable checkpoint is the tracks, committed together when the video has been
/// read to the end (<see cref="StageContext.FlushResultsAsync"/>). Decoding runs a few frames ahead of the model on
/// another task (<see cref="PipelineOptions.DecodeReadAhead"/>), and the time of each phase is logged at the end
/// (<see cref="PoseStagePhases"/>).
/// </summary>
public sealed class PosesJob(PipelineStageServices services) : PipelineStageJob(services)
{
    protected override async Task ExecuteAsync(StageContext context)
    {
        var run = context.Run;
        var video = context.Video;
        await using var proxy = await Services.Media.LeaseForReadingAsync(MediaKeys.VideoProxy(video.Id), context.CancellationToken);
        var info = await ProxyJob.ProxyInfoAsync(video, proxy.Path, context.CancellationToken);
        var scale = Math.Min(1.0, Services.Options.DecodeMaxSide / (double)Math.Max(info.Width, info.Height));
        var decodeWidth = Math.Max(2, (int)Math.Round(info.Width * scale / 2) * 2);
        var decodeHeight = Math.Max(2, (int)Math.Round(info.Height * scale / 2) * 2);
        // Keypoints are stored in pixels of the source frame as displayed (rotation applied).
        var (sourceWidth, sourceHeight) = video.DisplaySize ?? (info.Width, info.Height);
        var toSourceX = sourceWidth / (float)decodeWidth;
        var toSourceY = sourceHeight / (float)decodeHeight;

        // Frames through the model at once, an estimator each (PoseEstimatorGroup), as many as this stage's share of
        // the cores (ModelRegistry.RentPoseEstimators); the sequential reader reuses one buffer, so without read-ahead
        // one at a time. Twice as many are posted as there are lanes, so a lane always has its next frame queued while
        // the stage tracks the results of the last.
        using var lease = Services.Models.RentPoseEstimators(run.PoseModel, oneAtATime: Services.Options.DecodeReadAhead == 0);
        var inFlight = lease.Estimators.Count;
        var posted = Services.Options.DecodeReadAhead > 0 ? 2 * inFlight : 1;
        var phases = new PoseStagePhases { IntraOpThreads = Services.Models.IntraOpThreads, FramesInFlight = inFlight, ReadAhead = Services.Options.DecodeReadAhead };

        // A track's number is only known once every track that started before it has ended (short ones are dropped),
        // so tracks are written under a provisional number, minus the tracker's id, and numbered 1..n at the end.
        var (tracks, pendingBytes) = (0, 0L);
        var tracker = new PoseTracker(new PoseTrackerOptions { MaxGapFrames = (int)Math.Ceiling(run.AnalysisFps) }, track =>
        {
            var start = Stopwatch.GetTimestamp();
            var record = Record(run, -track.Id, track);
            phases.BlobPacking += Stopwatch.GetTimestamp() - start;
            context.Db.Tracks.Add(record);
            (tracks, pendingBytes) = (tracks + 1, pendingBytes + record.Poses.Length);
        });
        var expectedFrames = Math.Max(1, (video.DurationSeconds ?? info.FrameCount / info.Fps ?? 1) * run.AnalysisFps);
        var frames = 0;
        var estimators = new PoseEstimatorGroup(lease.Estimators);
        var estimatorsBefore = estimators.Times;
        try
        {
            var decoded = FfmpegFrameReader.ReadAsync(proxy.Path, info, new FrameReaderOptions { Fps = run.AnalysisFps, Width = decodeWidth, Height = decodeHeight }, context.CancellationToken);
            if (Services.Options.DecodeReadAhead > 0)
            {
                // A frame stays valid until `posted` more are asked for: by then its result is in.
                decoded = decoded.ReadAheadAsync(Services.Options.DecodeReadAhead, context.CancellationToken, hold: posted);
            }

            // Waiting for a result includes waiting for the decoder (the group's SourceWait): split below.
            var waiting = Stopwatch.GetTimestamp();
            await foreach (var (frame, people) in estimators.EstimateAllAsync(decoded, posted, context.CancellationToken))
            {
                phases.ModelWait += Stopwatch.GetTimestamp() - waiting;
                var scaled = people.Select(p => Scale(p, toSourceX, toSourceY)).ToList();
                Track(phases, () => tracker.Push(frame.Index, scaled));
                frames++;
                if (pendingBytes >= FlushBytes)
                {
                    var flushing = Stopwatch.GetTimestamp();
                    await context.FlushResultsAsync();
                    phases.DatabaseWrites += Stopwatch.GetTimestamp() - flushing;
                    pendingBytes = 0;
                }

                var reporting = Stopwatch.GetTimestamp();
                await context.ReportAsync(frames / expectedFrames);
                phases.Progress += Stopwatch.GetTimestamp() - reporting;
                waiting = Stopwatch.GetTimestamp();
            }

            phases.ModelWait += Stopwatch.GetTimestamp() - waiting;
        }
        catch (FfmpegException e)
        {
            throw new PipelineFailure($"The video could not be decoded after {frames} analysed frames ({frames / run.AnalysisFps:0.#} s): {e.Message}", e);
        }
        finally
        {
            // The lanes end their queued frames first (Dispose waits for them), so the times are whole.
            estimators.Dispose();
            phases.AddEstimator(estimators.Times, estimatorsBefore);
            (phases.DecodeWait, phases.ModelWait) = (estimators.SourceWait, phases.ModelWait - estimators.SourceWait);
            lease.Dispose();
        }

        Track(phases, tracker.Finish);
        var writing = Stopwatch.GetTimestamp();
        await context.FlushResultsAsync();
        await NumberTracksAsync(context);
        run.RecordAnalysedFrames(frames);
        run.SetNote(tracks == 0 ? "Nobody was seen in the video." : null);
        phases.DatabaseWrites += Stopwatch.GetTimestamp() - writing;
        phases.Frames = frames;
        Services.Logger.LogInformation("Run {RunId}: {Phases}", run.Id, phases);
    }

    // Time in the tracker, less the blob packing its callback did meanwhile (counted on its own).
    private static void Track(PoseStagePhases phases, Action track)
    {
        var start = Stopwatch.GetTimestamp();
        var packingBefore = phases.BlobPacking;
        track();
        phases.Tracking += Stopwatch.GetTimestamp() - start - (phases.BlobPacking - packingBefore);
    }

    /// <summary>Finished tracks' pose bytes held before they are written (a ten-minute track is about 700 KB).</summary>
    private const long FlushBytes = 1 << 20;

    private static TrackRecord Record(ProcessingRun run, int number, PersonTrack track)
    {
        var frames = track.Frames.Select(f => new TrackFrame(f.Frame, f.Frame / run.AnalysisFps, f.Person)).ToList();
        return TrackRecord.Create(run.Id, number, frames[0].Seconds, frames[^1].Seconds, frames.Count, PoseBlob.Encode(frames));
    }

    /// <summary>
    /// Numbers the run's tracks 1..n in order of first appearance (ties: the tracker's order). The provisional numbers
    /// are all negative and the final ones positive, so the unique (run, number) index holds at every row.
    /// </summary>
    private static Task NumberTracksAsync(StageContext context) => context.Db.Database.ExecuteSqlInterpolatedAsync(
        $"""
        update portal.tracks t set "TrackNumber" = n.number
        from (select "Id", row_number() over (order by "StartSeconds", "TrackNumber" desc) as number
              from portal.tracks where "RunId" = {context.Run.Id}) n
        where t."Id" = n."Id"
        """,
        context.CancellationToken);

    private static PosePerson Scale(PosePerson person, float sx, float sy) => new(
        person.Box is { } b ? new PersonBox(b.X1 * sx, b.Y1 * sy, b.X2 * sx, b.Y2 * sy, b.Score) : null,
        person.Keypoints.Select(k => new Keypoint(k.X * sx, k.Y * sy, k.Score)).ToList());
}
