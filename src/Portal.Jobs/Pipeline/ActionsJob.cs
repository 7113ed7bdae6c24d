using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Inference.Actions;
using Portal.Inference.Blobs;
using Portal.Inference.Timeline;

namespace Portal.Jobs.Pipeline;

/// <summary>
/// Action windows → segments → attention, per track: each track is cut into windows of the model card's length at
/// the run's stride, the windows are classified in batches (probabilities, frame and joint attention stored as
/// float16 blobs), and consecutive windows are merged into labelled segments (<see cref="SegmentBuilder"/>). Each
/// segment's keyframe time is the frame its windows' attention weighted most. Tracks are read and their results
/// written one at a time.
/// </summary>
public sealed class ActionsJob(PipelineStageServices services) : PipelineStageJob(services)
{
    protected override async Task ExecuteAsync(StageContext context)
    {
        var run = context.Run;
        var recognizer = await Services.Models.ActionAsync(run.ActionModel, run.ActionModelVersion, context.CancellationToken);
        var card = recognizer.Card;
        var builder = new SegmentBuilder(card.Labels, new SegmentOptions
        {
            UncertainBelow = Services.Options.UncertainBelow ?? card.UncertainBelow ?? SegmentOptions.DefaultUncertainBelow,
        });
        var trackIds = await context.Db.Tracks.Where(t => t.RunId == run.Id).OrderBy(t => t.TrackNumber)
            .Select(t => t.Id).ToListAsync(context.CancellationToken);
        for (var i = 0; i < trackIds.Count; i++)
        {
            var track = await context.Db.Tracks.AsNoTracking().SingleAsync(t => t.Id == trackIds[i], context.CancellationToken);
            await ClassifyTrackAsync(context, recognizer, builder, track);
            await context.ReportAsync((i + 1) / (double)trackIds.Count);
        }
    }

    /// <summary>
    /// One track's windows, classified and written <see cref="PipelineOptions.ActionChunkWindows"/> at a time: only the frames of those
    /// windows are decoded, and what outlives a chunk is each window's probabilities and frame attention (about
    /// 200 bytes), so a person in view for an hour costs a megabyte here rather than tens.
    /// </summary>
    private async Task ClassifyTrackAsync(StageContext context, ActionRecognizer recognizer, SegmentBuilder builder, TrackRecord track)
    {
        var run = context.Run;
        var spans = TrackWindows.Spans(PoseBlob.Times(track.Poses), recognizer.Card.Window.Seconds, run.WindowStrideSeconds);
        var predictions = new List<WindowPrediction>(spans.Count);
        var frameAttention = new List<float[]>(spans.Count);
        var chunkWindows = Math.Max(1, Services.Options.ActionChunkWindows);
        for (var chunk = 0; chunk < spans.Count; chunk += chunkWindows)
        {
            var chunkSpans = spans.Skip(chunk).Take(chunkWindows).ToList();
            var firstFrame = chunkSpans[0].FirstFrame;
            var frames = PoseBlob.Decode(track.Poses, firstFrame, chunkSpans.Max(s => s.FirstFrame + s.FrameCount) - firstFrame).Select(Flatten).ToList();
            var windows = chunkSpans.Select(s => new TrackWindow(s.StartSeconds, s.EndSeconds, frames.GetRange(s.FirstFrame - firstFrame, s.FrameCount))).ToList();
            var results = await ClassifyAsync(context, recognizer, windows);
            for (var w = 0; w < windows.Count; w++)
            {
                var result = results[w];
                var probabilities = Softmax(result.Logits);
                context.Db.ActionWindows.Add(ActionWindowRecord.Create(
                    run.Id, track.TrackNumber, chunk + w, windows[w].StartSeconds, windows[w].EndSeconds, result.TopK[0].Label, result.TopK[0].Score,
                    HalfBlob.Encode(probabilities), HalfBlob.Encode(result.FrameAttention), HalfBlob.Encode(result.JointAttention)));
                predictions.Add(new WindowPrediction(windows[w].StartSeconds, windows[w].EndSeconds, probabilities));
                frameAttention.Add(result.FrameAttention);
            }

            await context.FlushResultsAsync();
        }

        var segments = builder.Build(predictions);
        for (var s = 0; s < segments.Count; s++)
        {
            var segment = segments[s];
            var topK = JsonSerializer.Serialize(segment.TopK.Select(t => new { label = t.Label, score = t.Score }));
            context.Db.Segments.Add(SegmentRecord.Create(
                run.Id, track.TrackNumber, s, segment.StartSeconds, segment.EndSeconds, segment.Label, segment.Confidence, topK,
                segment.FirstWindow, segment.WindowCount, KeyframeSeconds(segment, predictions, frameAttention, recognizer.Card.Window.Seconds)));
        }

        await context.FlushResultsAsync();
    }

    private async Task<List<ActionPrediction>> ClassifyAsync(StageContext context, ActionRecognizer recognizer, IReadOnlyList<TrackWindow> windows)
    {
        var batchSize = Math.Max(1, Services.Options.ActionBatch);
        var results = new List<ActionPrediction>(windows.Count);
        for (var start = 0; start < windows.Count; start += batchSize)
        {
            var batch = windows.Skip(start).Take(batchSize).ToList();
            // Every call has the full batch size, a short last batch padded with zero windows whose results are
            // dropped (the windows of a batch do not interact). ONNX Runtime plans its memory per input shape and
            // its arena keeps what calls used; a long video meets short last batches of every size, and one shape
            // keeps that to one plan. (Not measured apart from the other memory changes: docs/benchmarks.md.)
            var input = new float[batchSize * recognizer.WindowSize];
            for (var b = 0; b < batch.Count; b++)
            {
                recognizer.PrepareWindow(batch[b].Frames).CopyTo(input, b * recognizer.WindowSize);
            }

            results.AddRange(recognizer.Run(input, batchSize).Take(batch.Count));
            // A long track reports its progress when it ends; between batches only a cancel is looked for.
            await context.ThrowIfCanceledAsync();
        }

        return results;
    }

    /// <summary>The time of the (window, frame) with the highest frame attention among the segment's windows.</summary>
    internal static double KeyframeSeconds(Segment segment, IReadOnlyList<WindowPrediction> windows, IReadOnlyList<float[]> frameAttention, double windowSeconds)
    {
        var (bestTime, bestWeight) = (windows[segment.FirstWindow].StartSeconds, float.MinValue);
        for (var w = segment.FirstWindow; w < segment.FirstWindow + segment.WindowCount; w++)
        {
            var attention = frameAttention[w];
            for (var t = 0; t < attention.Length; t++)
            {
                // Model frame t covers the window's time evenly: its centre is at (t + 0.5) / T of the window.
                var time = windows[w].StartSeconds + (t + 0.5) * windowSeconds / attention.Length;
                if (attention[t] > bestWeight && time >= segment.StartSeconds && time <= segment.EndSeconds)
                {
                    (bestTime, bestWeight) = (time, attention[t]);
                }
            }
        }

        return bestTime;
    }

    private static double[] Flatten(TrackFrame frame)
    {
        var values = new double[frame.Person.Keypoints.Count * 3];
        for (var j = 0; j < frame.Person.Keypoints.Count; j++)
        {
            var k = frame.Person.Keypoints[j];
            (values[j * 3], values[j * 3 + 1], values[j * 3 + 2]) = (k.X, k.Y, k.Score);
        }

        return values;
    }

    internal static float[] Softmax(float[] logits)
    {
        var max = logits.Max();
        var exp = logits.Select(l => MathF.Exp(l - max)).ToArray();
        var sum = exp.Sum();
        return exp.Select(e => e / sum).ToArray();
    }
}
