using System.Text.Json;
using Portal.Evaluation;
using Portal.Evaluation.Actions;

namespace Portal.Cli.Commands;

/// <summary>
/// `./portal evaluate --dataset nw-ucla|msr-action3d|penn-action [--variant 3d|coco2d]`: runs the committed ONNX
/// model through ONNX Runtime on the dataset's standard test split (Penn Action: the validation split drawn from its
/// training files) and ends with `top1=0.xxxx n=NNN`. The coco2d variant sees each 3D sample mapped to COCO-17 and
/// projected with the Kinect v1 camera, as the Python evaluation does; Penn Action is 2D and always coco2d.
/// </summary>
internal static class EvaluateCommand
{
    private static readonly string[] Datasets = ["nw-ucla", "msr-action3d", PennActionDataset.Name];

    public static string DefaultModel(string dataset, string variant) => (dataset, variant) switch
    {
        (_, "coco2d") or (PennActionDataset.Name, _) => ModelCatalog.DefaultActionModel,
        ("nw-ucla", "3d") => "actions-nwucla-3d",
        ("msr-action3d", "3d") => "actions-msr-3d",
        _ => throw new CliUsageException($"no model for dataset '{dataset}' and variant '{variant}' (datasets: nw-ucla, msr-action3d, penn-action; variants: 3d, coco2d)."),
    };

    public static Command Create()
    {
        var dataset = new Option<string>("--dataset") { Description = "the dataset whose test split is read", Required = true };
        dataset.AcceptOnlyFromAmong(Datasets);
        var variant = new Option<string>("--variant") { Description = "3d: the dataset's own joints; coco2d: mapped to COCO-17 and projected", DefaultValueFactory = _ => "3d" };
        variant.AcceptOnlyFromAmong("3d", "coco2d");
        var model = new Option<string?>("--model") { Description = "an action model by card name, or a card file (default: the dataset's)" };
        var predictions = new Option<string?>("--predictions") { Description = "write each sample's predicted class to this JSON file" };
        var data = new Option<string?>("--data") { Description = "the shared data folder (default: $PORTAL_SHARED_DATA, else ../shared/data)" };
        var models = new ModelsOption();
        var command = new Command("evaluate", "test-split top-1 of an action model") { dataset, variant, model, predictions, data, models };
        return command.WithAction((parsed, cancellationToken) =>
        {
            var name = parsed.GetRequiredValue(dataset);
            var card = models.ActionModel(parsed, parsed.GetValue(model) ?? DefaultModel(name, parsed.GetRequiredValue(variant)));
            using var recognizer = new ActionRecognizer(card, new OnnxSessionFactory(new InferenceOptions()));
            var split = name == PennActionDataset.Name ? "validation split (drawn from its training files)" : "test split";
            Console.Error.WriteLine($"model {card.Name} {card.Version} ({card.Layout}) on the {name} {split}");
            var samples = ActionDatasets.LoadTestSplit(name, parsed.GetValue(data) ?? RepositoryLayout.SharedData);
            var result = ActionEvaluator.Evaluate(recognizer, samples, name, cancellationToken);
            if (parsed.GetValue(predictions) is { } output)
            {
                File.WriteAllText(output, JsonSerializer.Serialize(result.Predictions));
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"top1={result.Top1:F4} n={result.Count}"));
            return 0;
        });
    }
}
