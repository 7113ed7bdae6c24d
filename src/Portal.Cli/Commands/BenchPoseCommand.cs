using System.Runtime.InteropServices;
using Portal.Evaluation.Detection;
using Portal.Inference.Pose;

namespace Portal.Cli.Commands;

/// <summary>
/// <c>./portal bench-pose [VIDEO] [--frames N] [--threads N]</c>: frames per second of each pose model at batch 1 and 8
/// next to ffmpeg's decode-only speed on the same clip, printed as Markdown rows for docs/benchmarks.md. A program,
/// not a test: the figures depend on the machine and on whatever else it is doing.
/// </summary>
internal static class BenchPoseCommand
{
    private static readonly string[] Models = ["movenet-lightning", "movenet-thunder", "movenet-multipose", "movenet-multipose-int8"];

    public static Command Create()
    {
        var video = new Argument<string>("VIDEO") { Description = "the clip to measure, e.g. ../shared/data/video/tfjs_pose_1.mp4" };
        var frames = CliCommand.PositiveInt("--frames", 64, "frames given to each pose model");
        // Without --threads both 1 and 2 intra-op threads are measured: on a shared 2-core machine one thread often wins.
        var threads = new Option<int?>("--threads") { Description = "ONNX Runtime intra-op threads (default: 1 and 2)" };
        threads.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is <= 0)
            {
                result.AddError("--threads must be a positive integer.");
            }
        });
        var repeat = CliCommand.PositiveInt("--repeat", 3, "runs of each measurement; the best is shown");
        var detector = new Option<string?>("--detector") { Description = "RTMDET.onnx: also measure the person detector and top-down" };
        var models = new ModelsOption();
        var command = new Command("bench-pose", "frames/s of each pose model (batch 1 and 8), of ffmpeg decoding and of top-down") { video, frames, threads, repeat, detector, models };
        return command.WithAction((parsed, cancellationToken) => RunAsync(
            parsed.GetRequiredValue(video), parsed.GetValue(frames), parsed.GetValue(threads) is { } t ? [t] : [1, 2], parsed.GetValue(repeat),
            parsed.GetValue(detector), models.Root(parsed), cancellationToken));
    }

    private static async Task<int> RunAsync(string video, int frameCount, int[] threadCounts, int repeat, string? detectorPath, string modelsRoot, CancellationToken cancellationToken)
    {
        Console.WriteLine($"# bench-pose {Path.GetFileName(video)}: {Environment.ProcessorCount} logical CPUs, {RuntimeInformation.OSDescription}, {RuntimeInformation.ProcessArchitecture}, .NET {Environment.Version}");
        Console.WriteLine($"# CPU: {CpuName()}");
        var info = await FfmpegProbe.ProbeAsync(video, cancellationToken);

        // ffmpeg alone: decoding only (-f null, the clip looped 10 times so process start-up does not dominate), then
        // decoding to rgb24 through our pipe reader, once, start-up included (what the pipeline pays per clip).
        var nullDecode = await TimeAsync(repeat, () => RunFfmpegNullAsync(video, cancellationToken));
        var decodedFrames = info.FrameCount ?? 0;
        var frames = new List<byte[]>();
        var pipeWatch = new List<double>();
        for (var r = 0; r < repeat; r++)
        {
            frames.Clear();
            var watch = Stopwatch.StartNew();
            await foreach (var frame in FfmpegFrameReader.ReadAsync(video, cancellationToken: cancellationToken))
            {
                if (frames.Count < frameCount)
                {
                    frames.Add(frame.Rgb.ToArray());
                }

                decodedFrames = frame.Index + 1;
            }

            pipeWatch.Add(watch.Elapsed.TotalSeconds);
        }

        Console.WriteLine("| what | frames/s |");
        Console.WriteLine("|---|---:|");
        Console.WriteLine($"| ffmpeg decode only (`-f null`, clip looped x10) | {decodedFrames * 10 / nullDecode:F0} |");
        Console.WriteLine($"| ffmpeg decode to rgb24 via FfmpegFrameReader (one pass, start-up included) | {decodedFrames / pipeWatch.Min():F0} |");

        foreach (var (model, threads) in Models.SelectMany(m => threadCounts.Select(t => (m, t))))
        {
            var options = new InferenceOptions { IntraOpThreads = threads };
            using var estimator = new PoseEstimator(ModelCatalog.PoseModel(modelsRoot, model), new OnnxSessionFactory(options));
            var memories = frames.Select(f => (ReadOnlyMemory<byte>)f).ToList();
            for (var i = 0; i < 3; i++)
            {
                estimator.Estimate(frames[i % frames.Count], info.Width, info.Height); // warm-up
            }

            var single = await TimeAsync(repeat, () =>
            {
                foreach (var frame in frames)
                {
                    estimator.Estimate(frame, info.Width, info.Height);
                }

                return Task.CompletedTask;
            });
            var batched = await TimeAsync(repeat, () =>
            {
                for (var i = 0; i < memories.Count; i += 8)
                {
                    estimator.EstimateBatch(memories.GetRange(i, Math.Min(8, memories.Count - i)), info.Width, info.Height);
                }

                return Task.CompletedTask;
            });
            Console.WriteLine($"| {model} ({estimator.InputSize}x{estimator.InputSize}), {threads} thread(s), batch 1 | {frames.Count / single:F1} |");
            Console.WriteLine($"| {model} ({estimator.InputSize}x{estimator.InputSize}), {threads} thread(s), batch 8 | {frames.Count / batched:F1} |");
        }

        if (detectorPath is not null)
        {
            foreach (var threads in threadCounts)
            {
                var sessions = new OnnxSessionFactory(new InferenceOptions { IntraOpThreads = threads });
                using var detector = new PersonDetector(detectorPath, sessions);
                using var thunder = new PoseEstimator(ModelCatalog.PoseModel(modelsRoot, "movenet-thunder"), sessions);
                var topDown = new TopDownPoseEstimator(detector, thunder);
                var people = 0;
                topDown.Estimate(frames[0], info.Width, info.Height);
                var detectOnly = await TimeAsync(repeat, () =>
                {
                    foreach (var frame in frames)
                    {
                        detector.Detect(frame, info.Width, info.Height);
                    }

                    return Task.CompletedTask;
                });
                var both = await TimeAsync(repeat, () =>
                {
                    people = 0;
                    foreach (var frame in frames)
                    {
                        people += topDown.Estimate(frame, info.Width, info.Height).Count;
                    }

                    return Task.CompletedTask;
                });
                Console.WriteLine($"| rtmdet-nano person detector (320x320), {threads} thread(s) | {frames.Count / detectOnly:F1} |");
                Console.WriteLine($"| top-down rtmdet-nano + movenet-thunder, {threads} thread(s), {people / (double)frames.Count:F1} people/frame | {frames.Count / both:F1} |");
            }
        }

        Console.WriteLine($"# session options: ORT_ENABLE_ALL, sequential execution, CPU memory arena and memory pattern on; pose figures include letterboxing and decoding; {frames.Count} frames of {info.Width}x{info.Height}, best of {repeat}");
        return 0;
    }

    private static async Task<double> TimeAsync(int repeat, Func<Task> action)
    {
        var best = double.MaxValue;
        for (var r = 0; r < repeat; r++)
        {
            var watch = Stopwatch.StartNew();
            await action();
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }

        return best;
    }

    private static async Task RunFfmpegNullAsync(string video, CancellationToken cancellationToken)
    {
        var (exitCode, _, errors) = await FfmpegProcess.RunToEndAsync(FfmpegProcess.Ffmpeg,
            ["-nostdin", "-v", "error", "-stream_loop", "9", .. UntrustedInput.Arguments, "-i", video, "-an", "-f", "null", "-"], cancellationToken);
        if (exitCode != 0)
        {
            throw new FfmpegException($"ffmpeg failed on '{video}': {FfmpegProcess.LastLines(errors)}");
        }
    }

    private static string CpuName()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
