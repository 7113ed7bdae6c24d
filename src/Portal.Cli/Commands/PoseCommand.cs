using System.Diagnostics;
using Portal.Inference.Detection;
using Portal.Inference.Frames;
using Portal.Inference.Onnx;
using Portal.Inference.Pose;
using Portal.Inference.Skeletons;

namespace Portal.Cli.Commands;

/// <summary><c>./portal pose VIDEO [--model NAME] [--fps N] --out FILE.json</c>: poses of every frame, in Portal's skeleton format.</summary>
public sealed class PoseCommand : ICliCommand
{
    public string Name => "pose";

    public string Summary => "VIDEO [--model movenet-lightning|movenet-thunder|movenet-multipose] [--fps N] [--crop on|off] [--detector RTMDET.onnx] [--provider Cpu|Cuda] --out FILE.json";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var arguments = new CliArguments(args, "model", "fps", "out", "models", "provider", "crop", "detector");
        if (arguments.Positional.Count != 1)
        {
            throw new CliUsageException($"expected one video, got {arguments.Positional.Count} ({Summary}).");
        }

        var video = arguments.Positional[0];
        var output = arguments.Get("out") ?? throw new CliUsageException("--out FILE.json is required.");
        // --detector: top-down, the person detector then the single-pose model (Thunder unless --model says) per person.
        var detectorPath = arguments.Get("detector");
        var modelName = arguments.Get("model") ?? (detectorPath is null ? "movenet-lightning" : "movenet-thunder");
        if (detectorPath is not null && !File.Exists(detectorPath))
        {
            throw new CliUsageException($"detector model not found: '{detectorPath}' (the RTMDet-nano person detector is ../shared/data/models/rtmdet-nano_person_end2end.onnx).");
        }

        var provider = arguments.Get("provider") is { } p
            ? Enum.TryParse<ExecutionProvider>(p, ignoreCase: true, out var parsed) ? parsed : throw new CliUsageException($"--provider must be Cpu or Cuda, not '{p}'.")
            : ExecutionProvider.Cpu;
        var readerOptions = new FrameReaderOptions { Fps = arguments.GetDouble("fps") };
        // Single-pose models zoom onto the person found in the previous frame unless --crop off.
        var crop = (arguments.Get("crop") ?? "on") switch
        {
            "on" => true,
            "off" => false,
            var other => throw new CliUsageException($"--crop must be on or off, not '{other}'."),
        };
        if (!File.Exists(video))
        {
            throw new CliUsageException($"video not found: '{video}'.");
        }

        try
        {
            var sessions = new OnnxSessionFactory(new InferenceOptions { ExecutionProvider = provider });
            using var estimator = PoseEstimator.Open(arguments.ModelsRoot(), modelName, sessions);
            if (detectorPath is not null && estimator.IsMultiPose)
            {
                throw new CliUsageException($"--detector needs a single-pose --model (movenet-lightning or movenet-thunder), not {modelName}.");
            }

            using var detector = detectorPath is null ? null : new PersonDetector(detectorPath, sessions);
            var topDown = detector is null ? null : new TopDownPoseEstimator(detector, estimator);
            var info = await FfmpegProbe.ProbeAsync(video, cancellationToken);
            var tracker = crop && topDown is null && !estimator.IsMultiPose ? new SinglePoseTracker(estimator) : null;
            var frames = new List<SkeletonFrame>();
            var watch = Stopwatch.StartNew();
            var people = 0;
            // Without crop tracking, frames are independent and go to the model in batches (the reader reuses its
            // buffer, so a batch holds copies).
            var pending = new List<(int Index, double Time, ReadOnlyMemory<byte> Rgb)>();
            int width = info.Width, height = info.Height;
            void Flush()
            {
                var results = estimator.EstimateBatch([.. pending.Select(p => p.Rgb)], width, height);
                for (var i = 0; i < pending.Count; i++)
                {
                    people += results[i].Count;
                    frames.Add(SkeletonDocument.ToFrame(pending[i].Index, pending[i].Time, results[i]));
                }

                pending.Clear();
            }

            await foreach (var frame in FfmpegFrameReader.ReadAsync(video, readerOptions, cancellationToken))
            {
                if (tracker is not null || topDown is not null)
                {
                    var poses = topDown?.Estimate(frame.Rgb.Span, frame.Width, frame.Height) ?? tracker!.Next(frame.Rgb.Span, frame.Width, frame.Height);
                    people += poses.Count;
                    frames.Add(SkeletonDocument.ToFrame(frame.Index, frame.Time, poses));
                    continue;
                }

                (width, height) = (frame.Width, frame.Height);
                pending.Add((frame.Index, frame.Time, frame.Rgb.ToArray()));
                if (pending.Count == estimator.MaxBatch)
                {
                    Flush();
                }
            }

            if (pending.Count > 0)
            {
                Flush();
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
        catch (Exception e) when (e is FfmpegException or FileNotFoundException or InvalidDataException)
        {
            await Console.Error.WriteLineAsync($"portal pose: {e.Message}");
            return 1;
        }
    }
}
