namespace Portal.Cli.Commands;

/// <summary>
/// `portal-cli actions-bench [--model NAME] [--threads N] [--seconds S]`: ONNX Runtime CPU latency of an action model
/// per window at batch 1 and batch 32 (median of repeated runs after a warm-up). A benchmark that prints figures,
/// not a test: the machine is shared, so report the machine and the load with the numbers.
/// </summary>
internal static class ActionsBenchCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "an action model by card name, or a card file", DefaultValueFactory = _ => ModelCatalog.DefaultActionModel };
        var threadsOption = CliCommand.PositiveInt("--threads", 1, "ONNX Runtime intra-op threads");
        var secondsOption = CliCommand.PositiveInt("--seconds", 5, "seconds measured per batch size");
        var models = new ModelsOption();
        var command = new Command("actions-bench", "action model latency per window, batch 1 and 32") { model, threadsOption, secondsOption, models };
        return command.WithAction((parsed, cancellationToken) =>
            Run(models.ActionModel(parsed, parsed.GetRequiredValue(model)), parsed.GetValue(threadsOption), parsed.GetValue(secondsOption), cancellationToken));
    }

    private static int Run(ActionModelCard card, int threads, int seconds, CancellationToken cancellationToken)
    {
        using var recognizer = new ActionRecognizer(card, new OnnxSessionFactory(new InferenceOptions { IntraOpThreads = threads }));
        var onnxBytes = new FileInfo(recognizer.Card.ModelPath).Length;
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

        return 0;
    }
}
