using System.Text.Json;
using Portal.Inference.Frames;
using Portal.Inference.ModelCards;
using Portal.Inference.Onnx;
using Xunit.Abstractions;

namespace Portal.Inference.Tests.Pose;

/// <summary>
/// MultiPose on a 16:9 clip against tfjs-models' own MultiPose pipeline (tools/tfjs-reference/run-multipose.mjs: its
/// resize, padding and decoding, tracking and smoothing off) on the same frames: with the input shaped like the frame
/// our people are the reference's; padded to a square they are the same people seen through another input.
/// </summary>
public class MultiPoseInputShapeTests(ITestOutputHelper output)
{
    private const int FrameCount = 12;

    [Fact]
    public async Task InputShapedLikeTheFrame_FindsTheSamePeopleAsTfjsModels_AndCloserThanTheSquareInput()
    {
        var frames = new List<RgbFrame>();
        await foreach (var frame in FfmpegFrameReader.ReadAsync(TestPaths.Video("one-by-one-person-detection.mp4"), new FrameReaderOptions { Fps = 0.1 }))
        {
            frames.Add(frame with { Rgb = frame.Rgb.ToArray() });
            if (frames.Count == FrameCount)
            {
                break;
            }
        }

        var (width, height) = (frames[0].Width, frames[0].Height);
        Assert.True(width > height, "the clip must be wider than tall, or both inputs are the same square");
        using var temp = new TempDirectory();
        var (framesPath, referencePath) = (temp.File("frames.rgb"), temp.File("reference.json"));
        await File.WriteAllBytesAsync(framesPath, frames.SelectMany(f => f.Rgb.ToArray()).ToArray());
        await TfjsReference.RunMultiPoseAsync(TestPaths.TfjsSource("movenet-multipose"), framesPath, frames.Count, width, height, referencePath);
        var reference = JsonSerializer.Deserialize<List<List<ReferencePerson>>>(await File.ReadAllTextAsync(referencePath), new JsonSerializerOptions { PropertyNameCaseInsensitive = true })!;
        Assert.Equal(frames.Count, reference.Count);
        Assert.True(reference.Sum(f => f.Count) >= FrameCount / 2, "the reference found almost nobody: the comparison would prove nothing");

        var card = PoseModelCard.Load(TestPaths.PoseCard("movenet-multipose"));
        var sessions = new OnnxSessionFactory(new InferenceOptions());
        using var fitted = new PoseEstimator(card, sessions, new PoseEstimatorOptions { FitInputToFrame = true });
        using var square = new PoseEstimator(card, sessions, new PoseEstimatorOptions { FitInputToFrame = false });
        var fittedResult = Compare(fitted, frames, reference);
        var squareResult = Compare(square, frames, reference);
        output.WriteLine($"{reference.Sum(f => f.Count)} people in {frames.Count} frames of {width}x{height} by tfjs-models; " +
                         $"frame-shaped input: mean keypoint error {fittedResult.MeanError:F2} px, people found / missed {fittedResult.Found} / {fittedResult.Missed}, extra {fittedResult.Extra}; " +
                         $"square input: {squareResult.MeanError:F2} px, {squareResult.Found} / {squareResult.Missed}, extra {squareResult.Extra}");

        Assert.Equal(0, fittedResult.Missed);
        Assert.Equal(0, fittedResult.Extra);
        // The resampling differs (tfjs resizes without half-pixel centres), so not exact; a few pixels of a 768 px frame.
        Assert.True(fittedResult.MeanError <= 3, $"frame-shaped input: mean error {fittedResult.MeanError:F2} px > 3 px");
        Assert.True(fittedResult.MeanError < squareResult.MeanError, $"frame-shaped {fittedResult.MeanError:F2} px is not closer to tfjs-models than square {squareResult.MeanError:F2} px");
    }

    private sealed record ReferencePerson(float Score, float[][] Keypoints);

    private sealed record Result(double MeanError, int Found, int Missed, int Extra);

    // Each reference person is paired with our nearest person (mean keypoint distance, over the keypoints both score
    // at least 0.3), if within a tenth of the frame's width; the error is over those keypoints of the pairs.
    private static Result Compare(PoseEstimator estimator, List<RgbFrame> frames, List<List<ReferencePerson>> reference)
    {
        var (errorSum, errorCount, found, missed, extra) = (0.0, 0, 0, 0, 0);
        for (var f = 0; f < frames.Count; f++)
        {
            var ours = estimator.Estimate(frames[f].Rgb.Span, frames[f].Width, frames[f].Height).ToList();
            var taken = new HashSet<int>();
            foreach (var person in reference[f])
            {
                var best = Enumerable.Range(0, ours.Count).Where(i => !taken.Contains(i))
                    .Select(i => (Index: i, Distances: Distances(person, ours[i])))
                    .Where(c => c.Distances.Count > 0)
                    .OrderBy(c => c.Distances.Average()).FirstOrDefault();
                if (best.Distances is null || best.Distances.Average() > frames[f].Width / 10.0)
                {
                    missed++;
                    continue;
                }

                taken.Add(best.Index);
                found++;
                errorSum += best.Distances.Sum();
                errorCount += best.Distances.Count;
            }

            extra += ours.Count - taken.Count;
        }

        return new Result(errorCount > 0 ? errorSum / errorCount : double.NaN, found, missed, extra);
    }

    private static List<double> Distances(ReferencePerson theirs, PosePerson ours) =>
        Enumerable.Range(0, 17)
            .Where(k => theirs.Keypoints[k][2] >= 0.3f && ours.Keypoints[k].Score >= 0.3f)
            .Select(k => Math.Sqrt(Math.Pow(theirs.Keypoints[k][0] - ours.Keypoints[k].X, 2) + Math.Pow(theirs.Keypoints[k][1] - ours.Keypoints[k].Y, 2)))
            .ToList();
}
