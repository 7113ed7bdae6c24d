using System.Diagnostics;
using System.Globalization;
using Portal.Inference.Actions;
using Portal.Inference.Onnx;

namespace Portal.Cli.Commands;

/// <summary>
/// `portal-cli actions-bench [--model NAME] [--threads N] [--seconds S]`: ONNX Runtime CPU latency of an action model
/// per window at batch 1 and batch 32 (median of repeated runs after a warm-up). A benchmark that prints figures,
/// not a test: the machine is shared, so report the machine and the load with the numbers.
/// </summary>
public sealed class ActionsBenchCommand : ICliCommand
{
    public string Name => "actions-bench";

    public string Summary => "[--model NAME] [--threads N] [--seconds S]: action model latency per window, batch 1 and 32";

    public Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var cli = new CliArgs(args, new HashSet<string>(), new HashSet<string> { "model", "threads", "seconds" });
        var threads = cli.GetInt("threads", 1);
        var seconds = cli.GetInt("seconds", 5);
        var cardPath = ActionModels.ResolveCard(cli.Get("model") ?? ActionModels.DefaultModel);
        using var recognizer = ActionRecognizer.Load(cardPath, new OnnxSessionFactory(new InferenceOptions { IntraOpThreads = threads }));
        var onnxBytes = new FileInfo(recognizer.Card.OnnxPath).Length;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"model {recognizer.Card.Name} {recognizer.Card.Version}: input [batch, {recognizer.WindowFrames}, {recognizer.Joints}, 3], ONNX {onnxBytes / 1024.0:F0} KiB, intra-op threads {threads}, {Environment.ProcessorCount} logical CPUs"));
        var random = new Random(1);
        foreach (var batch in new[] { 1, 32 })
        {
            var input = new float[batch * recognizer.WindowSize];
            for (var i = 0; i < input.Length; i++)
            {
                input[i] = (float)(random.NextDouble() - 0.5);
            }

            for (var i = 0; i < 5; i++)
            {
                recognizer.Run(input, batch);
            }

            var times = new List<double>();
            var total = Stopwatch.StartNew();
            while (total.Elapsed.TotalSeconds < seconds || times.Count < 10)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var sw = Stopwatch.StartNew();
                recognizer.Run(input, batch);
                times.Add(sw.Elapsed.TotalMilliseconds);
            }

            times.Sort();
            var median = times[times.Count / 2];
            var p90 = times[(int)(times.Count * 0.9)];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"batch {batch,2}: {median:F3} ms per call (p90 {p90:F3}), {median / batch:F3} ms per window, {times.Count} runs"));
        }

        return Task.FromResult(0);
    }
}
