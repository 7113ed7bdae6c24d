using System.Diagnostics;
using System.Runtime.InteropServices;
using Portal.Inference.Frames;
using Portal.Inference.ModelCards;
using Portal.Inference.Onnx;
using Xunit.Abstractions;

namespace Portal.Inference.Tests.Pose;

/// <summary>
/// The converted ONNX models against the original TensorFlow.js graphs, run by @tensorflow/tfjs on its pure JavaScript
/// CPU backend (tools/tfjs-reference), on the same int32 input tensors made from real clips.
/// </summary>
public class TfjsParityTests(ITestOutputHelper output)
{
    private const float Tolerance = 1e-3f;

    // (clip, frame index): the clip plus two others, one of them not square (letterbox padding in the input).
    private static readonly (string Clip, int Frame)[] Frames =
    [
        ("tfjs_pose_1.mp4", 0),
        ("tfjs_pose_1.mp4", 60),
        ("basketball_two_people.mp4", 30),
        ("k400_arm_wrestling.mp4", 30),
    ];

    public static TheoryData<string> Models => new() { "movenet-lightning", "movenet-thunder", "movenet-multipose" };

    [Theory]
    [MemberData(nameof(Models))]
    public async Task OnnxModel_MatchesTheTfjsGraph_WithinOneThousandth(string model)
    {
        var card = PoseModelCard.Load(TestPaths.PoseCard(model));
        using var fullGraph = new PoseEstimator(card, new OnnxSessionFactory(new InferenceOptions()), new PoseEstimatorOptions { UseFullGraph = true });
        var size = fullGraph.InputSize;
        var inputs = await InputTensorsAsync(size);
        using var temp = new TempDirectory();
        var inputPath = temp.File("inputs.bin");
        var outputPath = temp.File("outputs.bin");
        await File.WriteAllBytesAsync(inputPath, inputs.SelectMany(i => MemoryMarshal.AsBytes(i.AsSpan()).ToArray()).ToArray());

        var watch = Stopwatch.StartNew();
        await TfjsReference.RunAsync(TestPaths.TfjsSource(model), inputPath, inputs.Count, size, outputPath);
        var tfjsSeconds = watch.Elapsed.TotalSeconds;
        var reference = MemoryMarshal.Cast<byte, float>(await File.ReadAllBytesAsync(outputPath)).ToArray();
        Assert.Equal(fullGraph.IsMultiPose ? 6 * 56 : 17 * 3, reference.Length / inputs.Count);

        // The complete converted graph, one frame per run.
        Check(model + " (full graph, batch 1)", fullGraph.RunRaw(inputs), reference, fullGraph.IsMultiPose, $"TensorFlow.js took {tfjsSeconds:F1} s");

        // Single pose: the batchable heads model, all frames in one run, decoded in C#.
        if (card.Heads is not null)
        {
            using var heads = new PoseEstimator(card, new OnnxSessionFactory(new InferenceOptions()));
            Assert.Equal(8, heads.MaxBatch);
            Check(model + $" (heads, batch {inputs.Count}, C# decoding)", heads.RunRaw(inputs), reference, multiPose: false, "");
        }
    }

    [Fact]
    public async Task MultiPose_MatchesTheTfjsGraph_AtAnInputShapedLikeTheFrame()
    {
        // MultiPose decodes its people inside the graph from the input's shape (Shape, Range): a 426x240 frame is run
        // at 256x160, not the square the test above checks.
        var card = PoseModelCard.Load(TestPaths.PoseCard("movenet-multipose"));
        using var estimator = new PoseEstimator(card, new OnnxSessionFactory(new InferenceOptions()));
        var inputs = new List<int[]>();
        Letterbox? letterbox = null;
        await foreach (var frame in FfmpegFrameReader.ReadAsync(TestPaths.Video("basketball_two_people.mp4"), new FrameReaderOptions { Fps = 2 }))
        {
            letterbox ??= Letterbox.FitFrame(frame.Width, frame.Height, estimator.InputSize);
            var tensor = new int[letterbox.Width * letterbox.Height * 3];
            letterbox.Fill(frame.Rgb.Span, tensor);
            inputs.Add(tensor);
            if (inputs.Count == 3)
            {
                break;
            }
        }

        Assert.Equal((256, 160), (letterbox!.Width, letterbox.Height));
        using var temp = new TempDirectory();
        var (inputPath, outputPath) = (temp.File("inputs.bin"), temp.File("outputs.bin"));
        await File.WriteAllBytesAsync(inputPath, inputs.SelectMany(i => MemoryMarshal.AsBytes(i.AsSpan()).ToArray()).ToArray());
        await TfjsReference.RunAsync(TestPaths.TfjsSource("movenet-multipose"), inputPath, inputs.Count, letterbox.Height, letterbox.Width, outputPath);
        var reference = MemoryMarshal.Cast<byte, float>(await File.ReadAllBytesAsync(outputPath)).ToArray();

        Check("movenet-multipose at 256x160", estimator.RunRaw(inputs, letterbox.Height, letterbox.Width), reference, multiPose: true, "");
    }

    private void Check(string what, IReadOnlyList<float[]> ours, float[] reference, bool multiPose, string note)
    {
        var perFrame = reference.Length / ours.Count;
        float coordinateDelta = 0, scoreDelta = 0, bestScore = 0;
        for (var f = 0; f < ours.Count; f++)
        {
            var theirs = reference.AsSpan(f * perFrame, perFrame);
            Assert.Equal(perFrame, ours[f].Length);
            for (var i = 0; i < perFrame; i++)
            {
                var delta = Math.Abs(ours[f][i] - theirs[i]);
                if (IsScore(i, multiPose))
                {
                    scoreDelta = Math.Max(scoreDelta, delta);
                    bestScore = Math.Max(bestScore, theirs[i]);
                }
                else
                {
                    coordinateDelta = Math.Max(coordinateDelta, delta);
                }
            }
        }

        output.WriteLine($"parity {what}: {ours.Count} frames, max |Δ| coordinates {coordinateDelta:E2}, scores {scoreDelta:E2} {note}");
        Assert.True(bestScore > 0.3f, $"the reference never saw anyone (best score {bestScore}); the comparison would prove nothing");
        Assert.True(coordinateDelta <= Tolerance, $"{what}: coordinates differ by up to {coordinateDelta} (> {Tolerance})");
        Assert.True(scoreDelta <= Tolerance, $"{what}: scores differ by up to {scoreDelta} (> {Tolerance})");
    }

    // Single pose: (y, x, score) x 17. MultiPose per person: (y, x, score) x 17, then ymin, xmin, ymax, xmax, score.
    private static bool IsScore(int index, bool multiPose)
    {
        if (!multiPose)
        {
            return index % 3 == 2;
        }

        var within = index % 56;
        return within < 51 ? within % 3 == 2 : within == 55;
    }

    private static async Task<List<int[]>> InputTensorsAsync(int size)
    {
        var tensors = new List<int[]>();
        foreach (var group in Frames.GroupBy(f => f.Clip))
        {
            var wanted = group.Select(f => f.Frame).ToHashSet();
            await foreach (var frame in FfmpegFrameReader.ReadAsync(TestPaths.Video(group.Key)))
            {
                if (!wanted.Contains(frame.Index))
                {
                    continue;
                }

                var tensor = new int[size * size * 3];
                new Letterbox(frame.Width, frame.Height, size).Fill(frame.Rgb.Span, tensor);
                tensors.Add(tensor);
                if (frame.Index == wanted.Max())
                {
                    break;
                }
            }
        }

        Assert.Equal(Frames.Length, tensors.Count);
        return tensors;
    }
}

/// <summary>Runs the scripts of tools/tfjs-reference with Node, installing its pinned packages (npm ci) on first use.</summary>
internal static class TfjsReference
{
    private static readonly SemaphoreSlim InstallLock = new(1, 1);

    /// <summary>run-graph.mjs: the bare graph on <paramref name="count"/> int32 inputs of size x size.</summary>
    public static Task RunAsync(string modelJson, string inputs, int count, int size, string outputs) => RunAsync(modelJson, inputs, count, size, size, outputs);

    /// <summary>run-graph.mjs on inputs of height x width (a graph whose input shape is free).</summary>
    public static Task RunAsync(string modelJson, string inputs, int count, int height, int width, string outputs) =>
        RunScriptAsync("run-graph.mjs", modelJson, inputs, Text(count), Text(height), Text(width), outputs);

    /// <summary>run-multipose.mjs: tfjs-models' MultiPose pipeline on <paramref name="count"/> RGB24 frames; writes JSON.</summary>
    public static Task RunMultiPoseAsync(string modelJson, string frames, int count, int width, int height, string outputJson) =>
        RunScriptAsync("run-multipose.mjs", modelJson, frames, Text(count), Text(width), Text(height), outputJson);

    private static string Text(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static async Task RunScriptAsync(string script, params string[] arguments)
    {
        var directory = Path.Combine(TestPaths.RepoRoot, "tools", "tfjs-reference");
        await EnsureInstalledAsync(directory);
        var (exitCode, text) = await RunAsync("node", directory, [Path.Combine(directory, script), .. arguments]);
        Assert.True(exitCode == 0, $"the TensorFlow.js reference ({script}) failed (exit {exitCode}):\n{text}");
    }

    private static async Task EnsureInstalledAsync(string directory)
    {
        await InstallLock.WaitAsync();
        try
        {
            // Every pinned package, so a checkout whose node_modules predates one of them installs again.
            string[] packages = ["@tensorflow/tfjs-core", "@tensorflow/tfjs-backend-cpu", "@tensorflow/tfjs-converter", "@tensorflow-models/pose-detection"];
            if (packages.All(p => Directory.Exists(Path.Combine(directory, "node_modules", p))))
            {
                return;
            }

            var (exitCode, text) = await RunAsync("npm", directory, "ci", "--no-audit", "--no-fund");
            Assert.True(exitCode == 0, $"'npm ci' in {directory} failed (exit {exitCode}):\n{text}");
        }
        finally
        {
            InstallLock.Release();
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string executable, string workingDirectory, params string[] arguments)
    {
        var info = new ProcessStartInfo(executable)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}
