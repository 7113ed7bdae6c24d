using System.Security.Cryptography;
using Portal.Tools.TfjsToOnnx;
using Portal.Tools.TfjsToOnnx.Tfjs;

// Portal.Tools.TfjsToOnnx MODEL.json OUT.onnx [--card CARD.json --name NAME --input-size N --source-package P
//   --source-version V --source-integrity I --licence L --converter-hash H]
// Converts a TensorFlow.js graph model to ONNX and, with --card, writes the model card beside it.
if (args.Length < 2 || args.Length % 2 != 0)
{
    Console.Error.WriteLine("usage: Portal.Tools.TfjsToOnnx MODEL.json OUT.onnx [--card CARD.json --name NAME --input-size N --source-package P --source-version V --source-integrity I --licence L --converter-hash H]");
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
    var converted = TfjsToOnnxConverter.Convert(model);
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
    Console.WriteLine($"{args[1]}: opset {TfjsToOnnxConverter.Opset}, {converted.Graph.Nodes.Count} nodes, input '{converted.InputName}' int32 [{string.Join(',', converted.InputShape)}], output '{converted.OutputName}'");

    if (options.TryGetValue("card", out var cardPath))
    {
        var card = PoseModelCard.Create(model, converted, Path.GetFileName(args[1]), Convert.ToHexStringLower(SHA256.HashData(bytes)), args[0], options);
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
