using System.Security.Cryptography;
using Portal.Tools.TfjsToOnnx;
using Portal.Tools.TfjsToOnnx.Tfjs;

// Portal.Tools.TfjsToOnnx MODEL.json OUT.onnx [--card CARD.json --name NAME --input-size N --source-package P
//   --source-version V --source-integrity I --licence L --converter-hash H] [--heads true]
//   [--outputs NAME=TF_TENSOR,... --alias TF_NODE=TF_TENSOR,... --dynamic-batch true]
// Converts a TensorFlow.js graph model to ONNX and, with --card, writes the model card beside it. --heads true (single-
// pose MoveNet only) also writes OUT.heads.onnx, the batchable variant that stops at the heads (see MoveNetHeads).
if (args.Length < 2 || args.Length % 2 != 0)
{
    Console.Error.WriteLine("usage: Portal.Tools.TfjsToOnnx MODEL.json OUT.onnx [--card CARD.json --name NAME --input-size N --source-package P --source-version V --source-integrity I --licence L --converter-hash H] [--heads true] [--outputs NAME=TF_TENSOR,... --alias TF_NODE=TF_TENSOR,... --dynamic-batch true]");
    return 2;
}

var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 2; i < args.Length; i += 2)
{
    options[args[i].TrimStart('-')] = args[i + 1];
}

try
{
    var model = TfjsGraphModel.Load(args[0]);
    var converted = TfjsToOnnxConverter.Convert(model, ConversionOptionsFrom(options));
    var metadata = new Dictionary<string, string>
    {
        ["converted_from"] = Path.GetFileName(args[0]),
        ["generated_by"] = model.GeneratedBy ?? "",
        ["converter"] = "Portal.Tools.TfjsToOnnx",
    };
    var bytes = converted.Graph.ToModelProto(TfjsToOnnxConverter.Opset, "Portal.Tools.TfjsToOnnx", metadata);
    var temporary = args[1] + ".tmp";
    await File.WriteAllBytesAsync(temporary, bytes);
    File.Move(temporary, args[1], overwrite: true);
    Console.WriteLine($"{args[1]}: opset {TfjsToOnnxConverter.Opset}, {converted.Graph.Nodes.Count} nodes, input '{converted.InputName}' int32 [{string.Join(',', converted.InputShape)}], outputs {string.Join(", ", converted.Outputs)}");

    PoseModelCard.Heads? heads = null;
    if (options.GetValueOrDefault("heads") == "true")
    {
        var headsGraph = TfjsToOnnxConverter.Convert(model, MoveNetHeads.Options);
        var headsBytes = headsGraph.Graph.ToModelProto(TfjsToOnnxConverter.Opset, "Portal.Tools.TfjsToOnnx", metadata);
        var headsPath = Path.ChangeExtension(args[1], ".heads.onnx");
        await File.WriteAllBytesAsync(headsPath + ".tmp", headsBytes);
        File.Move(headsPath + ".tmp", headsPath, overwrite: true);
        heads = new PoseModelCard.Heads(Path.GetFileName(headsPath), Convert.ToHexStringLower(SHA256.HashData(headsBytes)), headsGraph.Outputs,
            MoveNetHeads.DistanceBias(model), MoveNetHeads.Scale(model));
        Console.WriteLine($"{headsPath}: batchable heads, {headsGraph.Graph.Nodes.Count} nodes, input int32 [{string.Join(',', headsGraph.InputShape)}], outputs {string.Join(", ", headsGraph.Outputs)}");
    }

    if (options.TryGetValue("card", out var cardPath))
    {
        var card = PoseModelCard.Create(model, converted, Path.GetFileName(args[1]), Convert.ToHexStringLower(SHA256.HashData(bytes)), args[0], options, heads);
        await File.WriteAllTextAsync(cardPath, card);
        Console.WriteLine($"{cardPath}: model card");
    }

    return 0;
}
catch (Exception e) when (e is UnsupportedOpException or InvalidDataException or NotSupportedException or IOException or KeyNotFoundException)
{
    Console.Error.WriteLine($"tfjs-to-onnx: {e.Message}");
    return 1;
}

// --outputs NAME=TF_TENSOR,... --alias TF_NODE=TF_TENSOR,... --dynamic-batch true
static ConversionOptions ConversionOptionsFrom(Dictionary<string, string> options)
{
    static List<KeyValuePair<string, string>> Pairs(string? text) =>
        text is null ? [] : [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2)).Select(p => new KeyValuePair<string, string>(p[0], p[1]))];
    var outputs = Pairs(options.GetValueOrDefault("outputs"));
    return new ConversionOptions
    {
        Outputs = outputs.Count > 0 ? outputs : [new("output", "Identity")],
        Aliases = Pairs(options.GetValueOrDefault("alias")).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal),
        DynamicBatch = options.GetValueOrDefault("dynamic-batch") == "true",
    };
}
