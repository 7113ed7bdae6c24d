using System.Runtime.InteropServices;
using Portal.Evaluation.Detection;
using Portal.Evaluation.Pose;
using Portal.Inference.Pose;

namespace Portal.Cli.Commands;

/// <summary>
/// <c>./portal bench-pose [VIDEO] [--frames N] [--threads N]</c>: frames per second of each pose model at batch 1 and 8
/// next to ffmpeg's decode-only speed on the same clip, then the floor (MultiPose float32 against its int8 graph, and
/// with <c>--tfjs</c> tfjs-models' own MultiPose on TensorFlow.js wasm, over the same frames), printed as Markdown rows
/// for docs/benchmarks.md. A program, not a test: the figures depend on the machine and on whatever else it is doing.
/// </summary>
internal static class BenchPoseCommand
{
    private static readonly string[] Models = ["movenet-lightning", "movenet-thunder", "movenet-multipose"];

    // The pipeline's model and its int8 graph (./portal models writes it where the calibration clips are).
    private const string FloatFloor = "movenet-multipose";
    private const string Int8Floor = "movenet-multipose-int8";

    // The MultiPose input, named rather than left to the card, so every row says which one it measured.
    private static readonly PoseEstimatorOptions Square = new() { FitInputToFrame = false };
    private static readonly PoseEstimatorOptions FrameShaped = new() { FitInputToFrame = true };

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
        var tfjs = new Option<string[]>("--tfjs")
        {
            Description = "BENCH.mjs MODEL.json: also run tfjs-models' MultiPose on the TensorFlow.js wasm backend over the same frames (tools/tfjs-bench)",
            Arity = new ArgumentArity(2, 2),
            AllowMultipleArgumentsPerToken = true,
        };
        var actions = new Option<string[]>("--actions")
        {
            Description = "CLIP...: also compare the action model's top-1 on poses from the float32 and the int8 MultiPose, clip by clip",
            AllowMultipleArgumentsPerToken = true,
        };
        var models = new ModelsOption();
        var command = new Command("bench-pose", "frames/s of each pose model (batch 1 and 8), of ffmpeg decoding and of top-down") { video, frames, threads, repeat, detector, tfjs, actions, models };
        return command.WithAction((parsed, cancellationToken) => RunAsync(
            parsed.GetRequiredValue(video), parsed.GetValue(frames), parsed.GetValue(threads) is { } t ? [t] : [1, 2], parsed.GetValue(repeat),
            parsed.GetValue(detector), parsed.GetValue(tfjs) is [var script, var model] ? (script, model) : null, parsed.GetValue(actions) ?? [],
            models.Root(parsed), cancellationToken));
    }

    private static async Task<int> RunAsync(string video, int frameCount, int[] threadCounts, int repeat, string? detectorPath, (string Script, string Model)? tfjs,
        string[] actionClips, string modelsRoot, CancellationToken cancellationToken)
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
            await foreach (var frame in FfmpegFrameReader.ReadAsync(video, info, cancellationToken: cancellationToken))
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
            var (inputWidth, inputHeight) = estimator.InputShapeFor(info.Width, info.Height);
            Console.WriteLine($"| {model} ({inputWidth}x{inputHeight}), {threads} thread(s), batch 1 | {frames.Count / single:F1} |");
            Console.WriteLine($"| {model} ({inputWidth}x{inputHeight}), {threads} thread(s), batch 8 | {frames.Count / batched:F1} |");
        }

        await FloorRowsAsync(frames, info.Width, info.Height, threadCounts, repeat, tfjs, modelsRoot, cancellationToken);

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

        if (actionClips.Length > 0 && File.Exists(Path.Combine(modelsRoot, "pose", Int8Floor + ".card.json")))
        {
            await ActionRowsAsync(actionClips, modelsRoot, cancellationToken);
        }

        Console.WriteLine($"# session options: ORT_ENABLE_ALL, sequential execution, CPU memory arena and memory pattern on; pose figures include letterboxing and decoding; {frames.Count} frames of {info.Width}x{info.Height}, best of {repeat}");
        return 0;
    }

    // The floor of the pipeline: MultiPose float against int8, the two timed in turn within each repeat so that a
    // change in the machine's load hits both alike, then tfjs-models' own pipeline on the same frames.
    private static async Task FloorRowsAsync(List<byte[]> frames, int width, int height, int[] threadCounts, int repeat, (string Script, string Model)? tfjs,
        string modelsRoot, CancellationToken cancellationToken)
    {
        if (!File.Exists(Path.Combine(modelsRoot, "pose", Int8Floor + ".card.json")))
        {
            Console.WriteLine($"| {Int8Floor} | not measured: no {Int8Floor}.card.json under {modelsRoot}/pose (./portal models writes it where the calibration clips are) |");
        }
        else
        {
            foreach (var threads in threadCounts)
            {
                var sessions = new OnnxSessionFactory(new InferenceOptions { IntraOpThreads = threads });
                using var float32 = new PoseEstimator(ModelCatalog.PoseModel(modelsRoot, FloatFloor), sessions, Square);
                using var int8 = new PoseEstimator(ModelCatalog.PoseModel(modelsRoot, Int8Floor), sessions, Square);
                await FloorRowsAsync($"{threads} thread(s), batch 1", frames.Count, repeat,
                    ($"{FloatFloor} float32", () => EstimateAll(float32, frames, width, height)), ($"{Int8Floor}", () => EstimateAll(int8, frames, width, height)), "int8 ÷ float32");
                if (width != height)
                {
                    // The int8 graph again, its input shaped like the frame (as tfjs-models runs MultiPose) against the square.
                    using var fitted = new PoseEstimator(ModelCatalog.PoseModel(modelsRoot, Int8Floor), sessions, FrameShaped);
                    var shape = fitted.InputShapeFor(width, height);
                    await FloorRowsAsync($"{threads} thread(s), batch 1", frames.Count, repeat,
                        ($"{Int8Floor}, square {fitted.InputSize}x{fitted.InputSize} input", () => EstimateAll(int8, frames, width, height)),
                        ($"{Int8Floor}, input shaped like the frame ({shape.Width}x{shape.Height})", () => EstimateAll(fitted, frames, width, height)), "frame-shaped ÷ square");
                }
            }

            // As a worker runs a video alone (ADR 0019): a lane per core, one single-threaded session each.
            var lanes = Environment.ProcessorCount;
            var single = new OnnxSessionFactory(new InferenceOptions { IntraOpThreads = 1 });
            var floats = Enumerable.Range(0, lanes).Select(_ => new PoseEstimator(ModelCatalog.PoseModel(modelsRoot, FloatFloor), single, Square)).ToList();
            var int8s = Enumerable.Range(0, lanes).Select(_ => new PoseEstimator(ModelCatalog.PoseModel(modelsRoot, Int8Floor), single, Square)).ToList();
            try
            {
                await FloorRowsAsync($"{lanes} lanes of 1 thread", frames.Count, repeat,
                    ($"{FloatFloor} float32", () => EstimateAllInLanesAsync(floats, frames, width, height)), ($"{Int8Floor}", () => EstimateAllInLanesAsync(int8s, frames, width, height)), "int8 ÷ float32");
            }
            finally
            {
                floats.Concat(int8s).ToList().ForEach(e => e.Dispose());
            }
        }

        if (tfjs is { } js)
        {
            Console.WriteLine($"| tfjs-models MultiPose Lightning, TensorFlow.js wasm backend, {await RunTfjsAsync(js.Script, js.Model, frames, width, height, repeat, cancellationToken)}");
        }
    }

    // Accuracy, not speed: does the int8 graph change the action model's answers (PoseAgreement says how), and by
    // how much more than the float32 graph's own answers change when the same clip is encoded once more, as any upload
    // may have been (libx264 at its default quality, CRF 23)? The second is the yardstick for the first: a change of
    // poses no larger than a re-encode brings is one the action model already meets in every upload.
    // Three comparisons: the int8 graph against float32 (both with square inputs), then each graph's input shaped like
    // the frame against its square input, each next to the baseline's own answers on the re-encoded clip.
    private static async Task ActionRowsAsync(string[] clips, string modelsRoot, CancellationToken cancellationToken)
    {
        var sessions = new OnnxSessionFactory(new InferenceOptions());
        using var float32 = new PoseEstimator(ModelCatalog.PoseModel(modelsRoot, FloatFloor), sessions, Square);
        using var int8 = new PoseEstimator(ModelCatalog.PoseModel(modelsRoot, Int8Floor), sessions, Square);
        using var fitted = new PoseEstimator(ModelCatalog.PoseModel(modelsRoot, Int8Floor), sessions, FrameShaped);
        using var float32Fitted = new PoseEstimator(ModelCatalog.PoseModel(modelsRoot, FloatFloor), sessions, FrameShaped);
        using var recognizer = new ActionRecognizer(ModelCatalog.ActionModel(modelsRoot, ModelCatalog.DefaultActionModel), sessions);
        await ActionRowsAsync(clips, ($"{FloatFloor} (float32)", "float32", float32), (Int8Floor, int8), recognizer, cancellationToken);
        await ActionRowsAsync(clips, ($"{Int8Floor}, square input", "square", int8), ("input shaped like the frame", fitted), recognizer, cancellationToken);
        // The same for the float32 graph: the int8 graph was calibrated on square, padded frames.
        await ActionRowsAsync(clips, ($"{FloatFloor} (float32), square input", "square", float32), ("input shaped like the frame", float32Fitted), recognizer, cancellationToken);
    }

    private static async Task ActionRowsAsync(string[] clips, (string Label, string Short, PoseEstimator Estimator) baseline, (string Label, PoseEstimator Estimator) candidate,
        ActionRecognizer recognizer, CancellationToken cancellationToken)
    {
        const double Fps = 10; // the pipeline's default analysis rate
        var scratch = Directory.CreateTempSubdirectory("portal-bench-pose-");
        try
        {
            Console.WriteLine();
            Console.WriteLine($"{recognizer.Card.Name} {recognizer.Card.Version}, poses at {Fps} fps; each cell compares with {baseline.Label} on the clip as it is:");
            Console.WriteLine();
            Console.WriteLine($"| clip | frames with as many people: {candidate.Label} / {baseline.Short} on the re-encoded clip | windows with the same top-1: {candidate.Label} | the same: {baseline.Short} on the re-encoded clip | windows without a partner: {candidate.Label} / re-encoded | tracks: {baseline.Short} / {candidate.Label} / re-encoded |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|");
            var rows = new List<(PoseAgreement.Row Candidate, PoseAgreement.Row Reencoded)>();
            foreach (var clip in clips)
            {
                var reencoded = await ReencodeAsync(clip, scratch.FullName, cancellationToken);
                var asItIs = new PoseAgreement.Side(clip, baseline.Estimator);
                var row = (Candidate: await PoseAgreement.CompareAsync(asItIs, new(clip, candidate.Estimator), recognizer, Fps, cancellationToken),
                    Reencoded: await PoseAgreement.CompareAsync(asItIs, new(reencoded, baseline.Estimator), recognizer, Fps, cancellationToken));
                rows.Add(row);
                Console.WriteLine(AgreementRow(Path.GetFileName(clip), row.Candidate, row.Reencoded));
            }

            Console.WriteLine(AgreementRow("**all**", Total(rows.Select(r => r.Candidate)), Total(rows.Select(r => r.Reencoded))));
            Console.WriteLine();
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    private static PoseAgreement.Row Total(IEnumerable<PoseAgreement.Row> rows) =>
        rows.Aggregate(new PoseAgreement.Row("", 0, 0, 0, 0, 0, 0, 0, 0), (a, r) => new PoseAgreement.Row("", a.Frames + r.Frames, a.SamePeopleCount + r.SamePeopleCount,
            a.Matched + r.Matched, a.SameTop1 + r.SameTop1, a.OnlyFirst + r.OnlyFirst, a.OnlySecond + r.OnlySecond, a.TracksFirst + r.TracksFirst, a.TracksSecond + r.TracksSecond));

    private static string AgreementRow(string clip, PoseAgreement.Row candidate, PoseAgreement.Row reencoded) =>
        $"| {clip} | {Percent(candidate.SamePeopleCount, candidate.Frames)} / {Percent(reencoded.SamePeopleCount, reencoded.Frames)} | " +
        $"{candidate.SameTop1} of {candidate.Matched} ({Percent(candidate.SameTop1, candidate.Matched)}) | {reencoded.SameTop1} of {reencoded.Matched} ({Percent(reencoded.SameTop1, reencoded.Matched)}) | " +
        $"{candidate.OnlyFirst + candidate.OnlySecond} / {reencoded.OnlyFirst + reencoded.OnlySecond} | {candidate.TracksFirst} / {candidate.TracksSecond} / {reencoded.TracksSecond} |";

    private static string Percent(int part, int whole) => $"{100.0 * part / Math.Max(1, whole):F1} %";

    // The clip encoded once more with libx264 at its default quality (even dimensions, 4:2:0, as players need).
    private static async Task<string> ReencodeAsync(string clip, string folder, CancellationToken cancellationToken)
    {
        var output = Path.Combine(folder, Path.GetFileNameWithoutExtension(clip) + ".x264.mp4");
        var (exitCode, _, errors) = await FfmpegProcess.RunToEndAsync(FfmpegProcess.Ffmpeg,
            ["-nostdin", "-v", "error", .. UntrustedInput.Arguments, "-i", clip, "-an", "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-c:v", "libx264", "-crf", "23",
             "-pix_fmt", "yuv420p", "-y", output], cancellationToken);
        if (exitCode != 0)
        {
            throw new FfmpegException($"ffmpeg could not re-encode '{clip}': {FfmpegProcess.LastLines(errors)}");
        }

        return output;
    }

    // Two ways timed in turn within each repeat (the first round warms both up and is not counted); the best of each
    // and the second's speed over the first's as three rows.
    private static async Task FloorRowsAsync(string how, int frameCount, int repeat, (string Label, Func<Task> Run) first, (string Label, Func<Task> Run) second, string ratio)
    {
        var (firstBest, secondBest) = (double.MaxValue, double.MaxValue);
        for (var r = 0; r < repeat + 1; r++)
        {
            var firstSeconds = await TimeAsync(1, first.Run);
            var secondSeconds = await TimeAsync(1, second.Run);
            if (r > 0)
            {
                (firstBest, secondBest) = (Math.Min(firstBest, firstSeconds), Math.Min(secondBest, secondSeconds));
            }
        }

        Console.WriteLine($"| floor: {first.Label}, {how} | {frameCount / firstBest:F1} |");
        Console.WriteLine($"| floor: {second.Label}, {how} | {frameCount / secondBest:F1} |");
        Console.WriteLine($"| floor: {ratio}, {how} | {firstBest / secondBest:F2}× |");
    }

    // As the poses stage posts them: twice as many frames in flight as lanes, results taken in order.
    private static async Task EstimateAllInLanesAsync(IReadOnlyList<PoseEstimator> estimators, List<byte[]> frames, int width, int height)
    {
        using var group = new PoseEstimatorGroup(estimators);
        var source = frames.Select((rgb, i) => new RgbFrame(i, 0, width, height, rgb)).ToAsyncEnumerable();
        await foreach (var _ in group.EstimateAllAsync(source, 2 * group.Size))
        {
        }
    }

    private static Task EstimateAll(PoseEstimator estimator, List<byte[]> frames, int width, int height)
    {
        foreach (var frame in frames)
        {
            estimator.Estimate(frame, width, height);
        }

        return Task.CompletedTask;
    }

    // Runs tools/tfjs-bench/bench.mjs on the frames held in memory (raw RGB24 on its stdin); the row's label tail and
    // its frames/s, or why it did not run.
    private static async Task<string> RunTfjsAsync(string script, string model, List<byte[]> frames, int width, int height, int repeat, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("node") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { script, model, $"{width}", $"{height}", $"{frames.Count}", $"{repeat}" })
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"not run: node could not start ({e.Message}) | – |";
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var errors = process.StandardError.ReadToEndAsync(cancellationToken);
            foreach (var frame in frames)
            {
                await process.StandardInput.BaseStream.WriteAsync(frame, cancellationToken);
            }

            process.StandardInput.Close();
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0)
            {
                return $"not run: node exited {process.ExitCode}: {(await errors).Trim().Split('\n')[^1]} | – |";
            }

            using var result = System.Text.Json.JsonDocument.Parse(await output);
            var root = result.RootElement;
            return $"{root.GetProperty("threads").GetInt32()} thread(s), SIMD {root.GetProperty("simd").GetBoolean()}, tfjs {root.GetProperty("tfjs").GetString()} | " +
                $"{root.GetProperty("framesPerSecond").GetDouble():F1} |";
        }
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
