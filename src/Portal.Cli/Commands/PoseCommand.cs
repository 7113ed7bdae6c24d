using Portal.Evaluation.Detection;
using Portal.Inference.Pose;
using Portal.Inference.Skeletons;

namespace Portal.Cli.Commands;

/// <summary><c>./portal pose VIDEO [--model NAME] [--fps N] --out FILE.json</c>: poses of every frame, in Portal's skeleton format.</summary>
internal static class PoseCommand
{
    public static Command Create()
    {
        var video = new Argument<string>("VIDEO") { Description = "the clip to read" };
        var model = new Option<string?>("--model") { Description = "movenet-lightning|movenet-thunder|movenet-multipose (default: lightning, thunder with --detector)" };
        var fps = new Option<double?>("--fps") { Description = "frames per second decoded (default: every frame)" };
        fps.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double?>() is <= 0)
            {
                result.AddError("--fps must be a positive number.");
            }
        });
        var output = new Option<string>("--out") { Description = "the skeleton JSON to write", Required = true };
        var provider = new Option<ExecutionProvider>("--provider") { Description = "Cpu or Cuda", DefaultValueFactory = _ => ExecutionProvider.Cpu };
        var crop = new Option<string>("--crop") { Description = "single pose: zoom on the person found in the previous frame", DefaultValueFactory = _ => "on" };
        crop.AcceptOnlyFromAmong("on", "off");
        var detector = new Option<string?>("--detector") { Description = "RTMDET.onnx: top-down, the person detector then the single-pose model per person" };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads (default 0: one per physical core)" };
        threads.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 0)
            {
                result.AddError("--threads must be 0 or more.");
            }
        });
        var inFlight = new Option<int>("--frames-in-flight") { Description = "MultiPose: frames run at once, each by its own session (the worker's rule: its cores, one intra-op thread each)", DefaultValueFactory = _ => 1 };
        inFlight.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1)
            {
                result.AddError("--frames-in-flight must be 1 or more.");
            }
        });
        var spinning = new Option<bool>("--allow-spinning") { Description = "ONNX Runtime's idle intra-op threads spin (true) or sleep (false, the worker's default)", DefaultValueFactory = _ => new InferenceOptions().AllowSpinning };
        var input = new Option<string?>("--input") { Description = "MultiPose: the model input shaped like the frame (frame, as tfjs-models) or padded to a square (square); default: the model card's" };
        input.AcceptOnlyFromAmong("frame", "square");
        var models = new ModelsOption();
        var command = new Command("pose", "poses of every frame of a video, in Portal's skeleton format") { video, model, fps, output, provider, crop, detector, threads, inFlight, spinning, input, models };
        return command.WithAction((parsed, cancellationToken) => RunAsync(
            parsed.GetRequiredValue(video), parsed.GetValue(model), parsed.GetValue(fps), parsed.GetRequiredValue(output), parsed.GetValue(provider),
            parsed.GetRequiredValue(crop) == "on", parsed.GetValue(detector), parsed.GetValue(threads), parsed.GetValue(inFlight), parsed.GetValue(spinning),
            parsed.GetValue(input) switch { "frame" => true, "square" => false, _ => null }, models.Root(parsed), cancellationToken));
    }

    private static async Task<int> RunAsync(string video, string? model, double? fps, string output, ExecutionProvider provider, bool crop, string? detectorPath, int threads, int framesInFlight, bool allowSpinning, bool? fitInputToFrame, string modelsRoot, CancellationToken cancellationToken)
    {
        // --detector: top-down, the person detector then the single-pose model (Thunder unless --model says) per person.
        var modelName = model ?? (detectorPath is null ? "movenet-lightning" : "movenet-thunder");
        if (detectorPath is not null && !File.Exists(detectorPath))
        {
            throw new CliUsageException($"detector model not found: '{detectorPath}' (the RTMDet-nano person detector is ../shared/data/models/rtmdet-nano_person_end2end.onnx).");
        }

        var readerOptions = new FrameReaderOptions { Fps = fps };
        if (!File.Exists(video))
        {
            throw new CliUsageException($"video not found: '{video}'.");
        }

        var sessions = new OnnxSessionFactory(new InferenceOptions { ExecutionProvider = provider, IntraOpThreads = threads, AllowSpinning = allowSpinning });
        var card = ModelCatalog.PoseModel(modelsRoot, modelName);
        if (fitInputToFrame is not null && card.MaxPersons == 1)
        {
            throw new CliUsageException($"--input is for MultiPose; {modelName} takes a square input.");
        }

        var estimatorOptions = new PoseEstimatorOptions { FitInputToFrame = fitInputToFrame };
        using var estimator = new PoseEstimator(card, sessions, estimatorOptions);
        if (detectorPath is not null && estimator.IsMultiPose)
        {
            throw new CliUsageException($"--detector needs a single-pose --model (movenet-lightning or movenet-thunder), not {modelName}.");
        }

        if (framesInFlight > 1 && !estimator.IsMultiPose)
        {
            throw new CliUsageException($"--frames-in-flight is for MultiPose (one frame per call); {modelName} already takes frames in batches.");
        }

        // MultiPose: the first estimator and framesInFlight - 1 more, each a lane of PoseEstimatorGroup.
        var more = Enumerable.Range(1, framesInFlight - 1).Select(_ => new PoseEstimator(card, sessions, estimatorOptions)).ToList();
        using var ownMore = new OwnedEstimators(more);
        using var group = estimator.IsMultiPose ? new PoseEstimatorGroup([estimator, .. more]) : null;
        using var detector = detectorPath is null ? null : new PersonDetector(detectorPath, sessions);
        var topDown = detector is null ? null : new TopDownPoseEstimator(detector, estimator);
        var info = await FfmpegProbe.ProbeAsync(video, cancellationToken);
        var tracker = crop && topDown is null && !estimator.IsMultiPose ? new SinglePoseTracker(estimator) : null;
        var frames = new List<SkeletonFrame>();
        var watch = Stopwatch.StartNew();
        var people = 0;
        void Collect(RgbFrame frame, IReadOnlyList<PosePerson> poses)
        {
            people += poses.Count;
            frames.Add(SkeletonDocument.ToFrame(frame.Index, frame.Time, poses));
        }

        // The reader reuses its buffer, so frames the model holds are copies. MultiPose frames go to the group's lanes,
        // twice as many in flight as lanes, as in the poses stage; single-pose frames without crop tracking go to the
        // model in batches.
        var reader = FfmpegFrameReader.ReadAsync(video, info, readerOptions, cancellationToken);
        if (group is not null)
        {
            await foreach (var (frame, poses) in group.EstimateAllAsync(CopiesAsync(reader), 2 * group.Size, cancellationToken))
            {
                Collect(frame, poses);
            }
        }
        else
        {
            var batch = new List<RgbFrame>();
            void RunBatch()
            {
                var results = estimator.EstimateBatch([.. batch.Select(p => p.Rgb)], batch[0].Width, batch[0].Height);
                for (var i = 0; i < batch.Count; i++)
                {
                    Collect(batch[i], results[i]);
                }

                batch.Clear();
            }

            await foreach (var frame in reader)
            {
                if (tracker is not null || topDown is not null)
                {
                    Collect(frame, topDown?.Estimate(frame.Rgb.Span, frame.Width, frame.Height) ?? tracker!.Next(frame.Rgb.Span, frame.Width, frame.Height));
                    continue;
                }

                batch.Add(frame with { Rgb = frame.Rgb.ToArray() });
                if (batch.Count == estimator.MaxBatch)
                {
                    RunBatch();
                }
            }

            if (batch.Count > 0)
            {
                RunBatch();
            }
        }

        var document = new SkeletonDocument
        {
            Layout = Coco17.LayoutName,
            Fps = readerOptions.Fps ?? info.Fps,
            Width = info.Width,
            Height = info.Height,
            Model = $"{(detector is null ? "" : "rtmdet-nano+")}{estimator.Card.Name}@{estimator.Card.Version}",
            Frames = frames,
        };
        var directory = Path.GetDirectoryName(Path.GetFullPath(output));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        await using (var stream = File.Create(output))
        {
            await SkeletonDocument.WriteAsync(stream, document, cancellationToken);
        }

        var seconds = watch.Elapsed.TotalSeconds;
        Console.WriteLine($"{output}: {frames.Count} frames, {people} poses, {estimator.Card.Name}, {frames.Count / Math.Max(seconds, 1e-9):F1} frames/s");
        return 0;
    }

    private static async IAsyncEnumerable<RgbFrame> CopiesAsync(IAsyncEnumerable<RgbFrame> frames)
    {
        await foreach (var frame in frames)
        {
            yield return frame with { Rgb = frame.Rgb.ToArray() };
        }
    }

    private sealed class OwnedEstimators(List<PoseEstimator> estimators) : IDisposable
    {
        public void Dispose() => estimators.ForEach(e => e.Dispose());
    }
}
