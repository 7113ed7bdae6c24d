using Hangfire;
using Portal.Data.Entities;
using Portal.Data.Media;
using Portal.Inference.Frames;
using Portal.Inference.Pose;
using Portal.Inference.Tracking;

namespace Portal.Jobs.Pipeline;

/// <summary>
/// Decode → poses → tracking, streamed: FFmpeg pipes raw RGB frames of the proxy at the analysis frame rate (scaled
/// for the pose model; no image files), the pose model finds every person in each frame, and the tracker links them
/// into people with stable numbers. Memory holds one frame and the people currently in view; a finished track is
/// packed into its compact blob at once. The three steps are one job because frames are never stored: the durable
/// checkpoint is the tracks, saved together when the video has been read to the end.
/// </summary>
[Queue(JobQueues.Inference)]
public sealed class PosesJob(PipelineStageServices services) : PipelineStageJob(services)
{
    protected override string Stage => PipelineStages.Poses;

    protected override void EnqueueNext(IBackgroundJobClient jobs, Guid runId) =>
        jobs.Enqueue<ActionsJob>(job => job.RunAsync(runId, null, CancellationToken.None));

    protected override async Task ExecuteAsync(StageContext context)
    {
        var run = context.Run;
        var video = context.Video;
        var proxy = Services.Media.GetLocalPath(MediaKeys.VideoProxy(video.Id));
        var info = await FfmpegFrameReader.ProbeAsync(proxy, cancellationToken: context.CancellationToken);
        var scale = Math.Min(1.0, Services.Options.DecodeMaxSide / (double)Math.Max(info.Width, info.Height));
        var decodeWidth = Math.Max(2, (int)Math.Round(info.Width * scale / 2) * 2);
        var decodeHeight = Math.Max(2, (int)Math.Round(info.Height * scale / 2) * 2);
        // Keypoints are stored in pixels of the source frame as displayed (rotation applied).
        var (sourceWidth, sourceHeight) = video.DisplaySize ?? (info.Width, info.Height);
        var toSourceX = sourceWidth / (float)decodeWidth;
        var toSourceY = sourceHeight / (float)decodeHeight;

        var finished = new List<(int FirstFrame, TrackRecordDraft Draft)>();
        var tracker = new PoseTracker(new PoseTrackerOptions { MaxGapFrames = (int)Math.Ceiling(run.AnalysisFps) }, track =>
            finished.Add((track.FirstFrame, Draft(track, run.AnalysisFps))));
        var expectedFrames = Math.Max(1, (video.DurationSeconds ?? info.FrameCount / info.Fps ?? 1) * run.AnalysisFps);
        var frames = 0;
        using (var lease = Services.Models.RentPoseEstimator(run.PoseModel))
        {
            var estimator = lease.Estimator;
            try
            {
                var reader = FfmpegFrameReader.ReadAsync(proxy, new FrameReaderOptions { Fps = run.AnalysisFps, Width = decodeWidth, Height = decodeHeight }, context.CancellationToken);
                await foreach (var frame in reader)
                {
                    var people = estimator.Estimate(frame.Rgb.Span, frame.Width, frame.Height);
                    tracker.Push(frame.Index, people.Select(p => Scale(p, toSourceX, toSourceY)).ToList());
                    frames++;
                    await context.ReportAsync(frames / expectedFrames);
                }
            }
            catch (FfmpegException e)
            {
                throw new PipelineFailure($"The video could not be decoded after {frames} analysed frames ({frames / run.AnalysisFps:0.#} s): {e.Message}", e);
            }
        }

        tracker.Finish();
        var number = 1;
        foreach (var (_, draft) in finished.OrderBy(f => f.FirstFrame))
        {
            context.Db.Tracks.Add(TrackRecord.Create(run.Id, number++, draft.StartSeconds, draft.EndSeconds, draft.FrameCount, draft.Poses));
        }

        run.RecordAnalysedFrames(frames);
        run.SetNote(finished.Count == 0 ? "Nobody was seen in the video." : null);
    }

    private sealed record TrackRecordDraft(double StartSeconds, double EndSeconds, int FrameCount, byte[] Poses);

    private static TrackRecordDraft Draft(PersonTrack track, double fps)
    {
        var frames = track.Frames.Select(f => new TrackFrame(f.Frame, f.Frame / fps, f.Person)).ToList();
        return new TrackRecordDraft(frames[0].Seconds, frames[^1].Seconds, frames.Count, PoseBlob.Encode(frames));
    }

    private static PosePerson Scale(PosePerson person, float sx, float sy) => new(
        person.Box is { } b ? new PersonBox(b.X1 * sx, b.Y1 * sy, b.X2 * sx, b.Y2 * sy, b.Score) : null,
        person.Keypoints.Select(k => new Keypoint(k.X * sx, k.Y * sy, k.Score)).ToList());
}
