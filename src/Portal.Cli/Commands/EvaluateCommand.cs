using System.Globalization;
using System.Text.Json;
using Portal.Inference.Actions;
using Portal.Inference.Onnx;

namespace Portal.Cli.Commands;

/// <summary>
/// `./portal evaluate --dataset nw-ucla|msr-action3d|penn-action [--variant 3d|coco2d]`: runs the committed ONNX
/// model through ONNX Runtime on the dataset's standard test split (Penn Action: the validation split drawn from its
/// training files) and ends with `top1=0.xxxx n=NNN`. The coco2d variant sees each 3D sample mapped to COCO-17 and
/// projected with the Kinect v1 camera, as the Python evaluation does; Penn Action is 2D and always coco2d.
/// </summary>
public sealed class EvaluateCommand : ICliCommand
{
    public string Name => "evaluate";

    public string Summary => "--dataset nw-ucla|msr-action3d|penn-action [--variant 3d|coco2d] [--model NAME] [--predictions OUT.json]: test-split top-1";

    public static string DefaultModel(string dataset, string variant) => (dataset, variant) switch
    {
        (_, "coco2d") or (PennActionDataset.Name, _) => ActionModels.DefaultModel,
        ("nw-ucla", "3d") => "actions-nwucla-3d",
        ("msr-action3d", "3d") => "actions-msr-3d",
        _ => throw new CliUsageException($"no model for dataset '{dataset}' and variant '{variant}' (datasets: nw-ucla, msr-action3d; variants: 3d, coco2d)."),
    };

    public Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        try
        {
            return Task.FromResult(Run(args, cancellationToken));
        }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException or DirectoryNotFoundException)
        {
            // A wrong model or input file: say what is wrong without a stack trace.
            Console.Error.WriteLine($"portal {Name}: {e.Message}");
            return Task.FromResult(1);
        }
    }

    private int Run(string[] args, CancellationToken cancellationToken)
    {
        var cli = new CliArgs(args, new HashSet<string>(), new HashSet<string> { "dataset", "variant", "model", "predictions", "data" });
        var dataset = cli.Get("dataset") ?? throw new CliUsageException("--dataset nw-ucla|msr-action3d|penn-action is required.");
        var variant = cli.Get("variant") ?? "3d";
        var cardPath = ActionModels.ResolveCard(cli.Get("model") ?? DefaultModel(dataset, variant));
        using var recognizer = ActionRecognizer.Load(cardPath, new OnnxSessionFactory(new InferenceOptions()));
        var split = dataset == PennActionDataset.Name ? "validation split (drawn from its training files)" : "test split";
        Console.Error.WriteLine($"model {recognizer.Card.Name} {recognizer.Card.Version} ({recognizer.Card.Layout}) on the {dataset} {split}");
        var samples = ActionDatasets.LoadTestSplit(dataset, cli.Get("data") ?? ActionModels.SharedDataRoot());
        var result = ActionEvaluator.Evaluate(recognizer, samples, dataset, cancellationToken);
        if (cli.Get("predictions") is { } output)
        {
            File.WriteAllText(output, JsonSerializer.Serialize(result.Predictions));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"top1={result.Top1:F4} n={result.Count}"));
        return 0;
    }
}
