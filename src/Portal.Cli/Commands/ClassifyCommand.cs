using System.Text.Json;
using System.Text.Json.Nodes;
using Portal.Evaluation.Actions;

namespace Portal.Cli.Commands;

/// <summary>`./portal classify SKELETON.json [--model NAME] [--top K] [--json]`: action labels per track window.</summary>
internal static class ClassifyCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("SKELETON.json") { Description = "a skeleton file (docs/formats.md)" };
        var model = new Option<string>("--model") { Description = "an action model by card name, or a card file", DefaultValueFactory = _ => Inference.ModelCards.ModelCatalog.DefaultActionModel };
        var top = CliCommand.PositiveInt("--top", 5, "labels per window");
        var json = new Option<bool>("--json") { Description = "print the machine form" };
        var models = new ModelsOption();
        var command = new Command("classify", "actions per track window of a skeleton file") { input, model, top, json, models };
        return command.WithAction((parsed, cancellationToken) =>
        {
            var path = parsed.GetRequiredValue(input);
            if (!File.Exists(path))
            {
                throw new CliUsageException($"no skeleton file at '{path}'.");
            }

            return Run(path, models.ActionModel(parsed, parsed.GetRequiredValue(model)), parsed.GetValue(top), parsed.GetValue(json), cancellationToken);
        });
    }

    private static int Run(string input, ActionModelCard card, int top, bool asJson, CancellationToken cancellationToken)
    {
        using var recognizer = new ActionRecognizer(card, new OnnxSessionFactory(new InferenceOptions()));
        var tracks = SkeletonTracks.Read(input, card.Layout);

        var windows = new JsonArray();
        var text = new List<string>();
        foreach (var track in tracks)
        {
            foreach (var w in TrackWindows.Slice(track.Times, track.Frames, card.Window.Seconds, card.Window.StrideSeconds))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var p = recognizer.Classify(w.Frames, top);
                var topK = new JsonArray();
                foreach (var s in p.TopK)
                {
                    topK.Add(new JsonObject { ["label"] = s.Label, ["score"] = Math.Round(s.Score, 4) });
                }

                windows.Add(new JsonObject
                {
                    ["trackId"] = track.TrackId?.DeepClone(),
                    ["startSeconds"] = Math.Round(w.StartSeconds, 3),
                    ["endSeconds"] = Math.Round(w.EndSeconds, 3),
                    ["topK"] = topK,
                });
                var id = track.TrackId?.ToJsonString() ?? "-";
                text.Add(string.Create(CultureInfo.InvariantCulture,
                    $"track {id,-4} {w.StartSeconds,7:F2}-{w.EndSeconds,7:F2} s  {string.Join(", ", p.TopK.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Label} {s.Score:F2}")))}"));
            }
        }

        if (asJson)
        {
            var doc = new JsonObject
            {
                ["model"] = new JsonObject { ["name"] = card.Name, ["version"] = card.Version },
                ["windows"] = windows,
            };
            Console.WriteLine(doc.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
        }
        else
        {
            Console.WriteLine($"model {card.Name} {card.Version} ({card.Layout}, {card.Window.Seconds.ToString(CultureInfo.InvariantCulture)} s windows)");
            foreach (var line in text)
            {
                Console.WriteLine(line);
            }

            if (text.Count == 0)
            {
                Console.WriteLine("no tracks in the file.");
            }
        }

        return 0;
    }
}
