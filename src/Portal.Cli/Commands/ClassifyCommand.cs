using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Portal.Inference.Actions;
using Portal.Inference.Onnx;

namespace Portal.Cli.Commands;

/// <summary>`./portal classify SKELETON.json [--model NAME] [--top K] [--json]`: action labels per track window.</summary>
public sealed class ClassifyCommand : ICliCommand
{
    public string Name => "classify";

    public string Summary => "SKELETON.json [--model NAME|CARD.json] [--top K] [--json]: actions per track window";

    public Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var cli = new CliArgs(args, new HashSet<string> { "json" }, new HashSet<string> { "model", "top" });
        if (cli.Positional.Count != 1)
        {
            throw new CliUsageException("usage: classify SKELETON.json [--model NAME] [--top K] [--json]");
        }

        var input = cli.Positional[0];
        if (!File.Exists(input))
        {
            throw new CliUsageException($"no skeleton file at '{input}'.");
        }

        var top = cli.GetInt("top", 5);
        var cardPath = ActionModels.ResolveCard(cli.Get("model") ?? ActionModels.DefaultModel);
        using var recognizer = ActionRecognizer.Load(cardPath, new OnnxSessionFactory(new InferenceOptions()));
        var card = recognizer.Card;
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

        if (cli.Has("json"))
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

        return Task.FromResult(0);
    }
}
