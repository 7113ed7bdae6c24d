using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Portal.Inference.Actions;
using Portal.Inference.Frames;
using Portal.Inference.ModelCards;
using Portal.Inference.Onnx;
using Portal.Inference.Pose;

namespace Portal.Tools.GpuCheck;

/// <summary>
/// Parity and throughput of CUDA against CPU (scripts/gpu-check.sh). Parity compares the models' raw outputs
/// (pose: normalised keypoint coordinates and scores; actions: logits), so no threshold in the decoding can hide or
/// create a difference. <c>--allow-cpu</c> lets it run where CUDA is unavailable (both sides then run on the CPU):
/// <c>./portal test</c> uses that to keep this program working on machines without a GPU.
/// </summary>
public static class Program
{
    private static readonly string[] PoseModels = ["movenet-lightning", "movenet-thunder", "movenet-multipose"];
    private const string ActionModel = "actions-coco2d";
    private static readonly int[] Batches = [1, 8, 32];

    public static async Task<int> Main(string[] args)
    {
        var models = new Option<string>("--models") { Description = "the models folder (models/ of the checkout)", Required = true };
        var video = new Option<string>("--video") { Description = "a clip whose first frames are the inputs", Required = true };
        var frames = new Option<int>("--frames") { Description = "frames read from the clip", DefaultValueFactory = _ => 64 };
        var tolerance = new Option<double>("--tolerance") { Description = "the largest allowed |CUDA - CPU| of a raw output", DefaultValueFactory = _ => 1e-3 };
        var device = new Option<int>("--device") { Description = "the CUDA device id", DefaultValueFactory = _ => 0 };
        var allowCpu = new Option<bool>("--allow-cpu") { Description = "run even where CUDA is unusable (both sides on the CPU)" };
        frames.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() <= 0)
            {
                r.AddError("--frames must be a positive integer.");
            }
        });
        var root = new RootCommand("CUDA against CPU: parity of every pose model's and the action model's raw outputs, and throughput")
        {
            models, video, frames, tolerance, device, allowCpu,
        };
        root.SetAction((parsed, _) => RunAsync(new Arguments(parsed.GetRequiredValue(models), parsed.GetRequiredValue(video),
            parsed.GetValue(frames), parsed.GetValue(tolerance), parsed.GetValue(allowCpu), parsed.GetValue(device))));
        var result = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        var exitCode = await result.InvokeAsync();
        return result.Errors.Count > 0 ? 2 : exitCode;
    }

    private static async Task<int> RunAsync(Arguments options)
    {
        var cuda = new OnnxSessionFactory(new InferenceOptions { ExecutionProvider = ExecutionProvider.Cuda, CudaDeviceId = options.Device });
        var cpu = new OnnxSessionFactory(new InferenceOptions());
        Console.WriteLine($"CUDA side runs on: {cuda.EffectiveProvider}");
        if (cuda.ActiveProvider != ExecutionProvider.Cuda && !options.AllowCpu)
        {
            Console.Error.WriteLine("gpu-check: CUDA is not usable here (see above); nothing to compare. --allow-cpu runs anyway.");
            return 2;
        }

        var frames = new List<RgbFrame>();
        await foreach (var frame in FfmpegFrameReader.ReadAsync(options.Video))
        {
            frames.Add(frame with { Rgb = frame.Rgb.ToArray() });
            if (frames.Count == options.Frames)
            {
                break;
            }
        }

        var failures = 0;
        foreach (var name in PoseModels)
        {
            var card = ModelCatalog.PoseModel(options.Models, name);
            using var onCuda = new PoseEstimator(card, cuda, new PoseEstimatorOptions { MaxBatch = 8 });
            using var onCpu = new PoseEstimator(card, cpu, new PoseEstimatorOptions { MaxBatch = 8 });
            var inputs = frames.Select(f => Stretch(f, onCpu.InputSize)).ToList();
            failures += Report($"pose {name} keypoints", MaxDifference(onCuda.RunRaw(inputs), onCpu.RunRaw(inputs)), options.Tolerance);
        }

        var cardPath = Path.Combine(options.Models, "actions", ActionModel + ".card.json");
        using (var onCuda = ActionRecognizer.Load(cardPath, cuda))
        using (var onCpu = ActionRecognizer.Load(cardPath, cpu))
        {
            var windows = Windows(onCpu, options.Models, frames, cpu);
            failures += Report($"action {ActionModel} logits", MaxDifference(
                onCuda.Run(windows.Input, windows.Count).Select(p => p.Logits).ToList(),
                onCpu.Run(windows.Input, windows.Count).Select(p => p.Logits).ToList()), options.Tolerance);
        }

        foreach (var (label, sessions) in new[] { ("CUDA", cuda), ("CPU", cpu) })
        {
            foreach (var name in PoseModels)
            {
                foreach (var batch in Batches)
                {
                    using var estimator = new PoseEstimator(ModelCatalog.PoseModel(options.Models, name), sessions, new PoseEstimatorOptions { MaxBatch = batch });
                    var rgb = frames.Select(f => f.Rgb).ToList();
                    estimator.EstimateBatch(rgb.Take(batch).ToList(), frames[0].Width, frames[0].Height);
                    var watch = Stopwatch.StartNew();
                    estimator.EstimateBatch(rgb, frames[0].Width, frames[0].Height);
                    Console.WriteLine(Invariant($"throughput {label} pose {name} batch {batch}: {frames.Count / watch.Elapsed.TotalSeconds:F1} frames/s"));
                }
            }

            using var recognizer = ActionRecognizer.Load(cardPath, sessions);
            foreach (var batch in Batches)
            {
                var window = Windows(recognizer, options.Models, frames.Take(Math.Min(frames.Count, recognizer.WindowFrames + batch - 1)).ToList(), cpu);
                var input = Enumerable.Range(0, batch).SelectMany(i => window.Input.AsSpan(i % window.Count * recognizer.WindowSize, recognizer.WindowSize).ToArray()).ToArray();
                recognizer.Run(input, batch);
                var watch = Stopwatch.StartNew();
                var runs = Math.Max(1, 256 / batch);
                for (var r = 0; r < runs; r++)
                {
                    recognizer.Run(input, batch);
                }

                Console.WriteLine(Invariant($"throughput {label} action {ActionModel} batch {batch}: {runs * batch / watch.Elapsed.TotalSeconds:F1} windows/s"));
            }
        }

        Console.WriteLine(failures == 0 ? "gpu-check: CUDA matches the CPU" : $"gpu-check: {failures} comparison(s) over the tolerance");
        return failures == 0 ? 0 : 1;
    }

    private static int Report(string what, double difference, double tolerance)
    {
        var ok = difference <= tolerance;
        Console.WriteLine(Invariant($"parity {what}: max |CUDA - CPU| = {difference:E2} (tolerance {tolerance:E0}) {(ok ? "ok" : "FAILED")}"));
        return ok ? 0 : 1;
    }

    private static double MaxDifference(IReadOnlyList<float[]> a, IReadOnlyList<float[]> b)
    {
        if (a.Count != b.Count || a.Zip(b).Any(p => p.First.Length != p.Second.Length))
        {
            return double.PositiveInfinity;
        }

        return a.Zip(b).SelectMany(p => p.First.Zip(p.Second, (x, y) => Math.Abs((double)x - y))).DefaultIfEmpty(0).Max();
    }

    /// <summary>A frame resized (nearest pixel, aspect ignored) to the model's square int32 input: real image content.</summary>
    private static int[] Stretch(RgbFrame frame, int size)
    {
        var input = new int[size * size * 3];
        var rgb = frame.Rgb.Span;
        for (var y = 0; y < size; y++)
        {
            var sy = y * frame.Height / size;
            for (var x = 0; x < size; x++)
            {
                var sx = x * frame.Width / size;
                for (var c = 0; c < 3; c++)
                {
                    input[((y * size) + x) * 3 + c] = rgb[((sy * frame.Width) + sx) * 3 + c];
                }
            }
        }

        return input;
    }

    /// <summary>Sliding windows (stride 1) over the clip's skeletons, found by MoveNet Lightning on the CPU.</summary>
    private static (float[] Input, int Count) Windows(ActionRecognizer recognizer, string models, IReadOnlyList<RgbFrame> frames, OnnxSessionFactory cpu)
    {
        using var pose = PoseEstimator.Open(models, "movenet-lightning", cpu);
        var skeletons = pose.EstimateBatch(frames.Select(f => f.Rgb).ToList(), frames[0].Width, frames[0].Height)
            .Select(people => people.Count == 0
                ? new double[recognizer.Joints * 3]
                : people[0].Keypoints.Take(recognizer.Joints).SelectMany(k => new double[] { k.X, k.Y, k.Score }).ToArray())
            .ToList();
        var count = Math.Max(1, skeletons.Count - recognizer.WindowFrames + 1);
        var input = new float[count * recognizer.WindowSize];
        for (var w = 0; w < count; w++)
        {
            recognizer.PrepareWindow(skeletons.Skip(w).Take(recognizer.WindowFrames).ToList()).CopyTo(input, w * recognizer.WindowSize);
        }

        return (input, count);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed record Arguments(string Models, string Video, int Frames, double Tolerance, bool AllowCpu, int Device);
}
