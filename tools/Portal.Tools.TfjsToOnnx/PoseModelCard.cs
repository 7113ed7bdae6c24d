using System.Text.Json;
using System.Text.Json.Nodes;

namespace Portal.Tools.TfjsToOnnx;

/// <summary>The model card written next to a converted MoveNet model (read back by Portal.Inference's ModelCard).</summary>
internal static class PoseModelCard
{
    /// <summary>The batchable heads variant of a single-pose model and the constants its decoder needs.</summary>
    public sealed record Heads(string File, string Sha256, IReadOnlyList<string> Outputs, float DistanceBias, float[] Scale);

    /// <summary>What the command line says about the model: its name, input size (null: the graph's) and where it came from.</summary>
    public sealed record Facts(string Name, int? InputSize, string SourcePackage, string SourceVersion, string SourceIntegrity, string Licence, string ConverterHash);

    /// <summary>The int8 graph's origin: the float model it quantizes and the clips (and frames of each) that calibrated it.</summary>
    public sealed record Quantization(string Of, IReadOnlyList<(string Clip, int Frames)> Calibration);

    public static string Create(TfjsGraphModel model, ConvertedGraph converted, string onnxFile, string sha256, string sourcePath, Facts facts, Heads? heads = null,
        Quantization? quantization = null)
    {
        var name = facts.Name;
        var origin = model.GeneratedBy ?? "";
        var lastSegment = origin.TrimEnd('/').Split('/')[^1];
        var version = int.TryParse(lastSegment, out _) ? lastSegment : "1";
        var inputSize = facts.InputSize ?? (int)converted.InputShape[1];
        var multiPose = name.Contains("multipose", StringComparison.Ordinal);
        var card = new JsonObject
        {
            ["name"] = name,
            ["version"] = version,
            ["task"] = "pose-estimation",
            ["layout"] = "coco17",
            ["file"] = onnxFile,
            ["sha256"] = sha256,
            ["maxPersons"] = multiPose ? 6 : 1,
            ["input"] = new JsonObject
            {
                ["name"] = converted.InputName,
                ["type"] = "int32",
                ["shape"] = new JsonArray([.. converted.InputShape.Select(d => JsonValue.Create(d))]),
                ["size"] = new JsonArray(inputSize, inputSize),
                ["format"] = "NHWC RGB, values 0..255; letterboxed to size (the model was trained on padded square images)",
            },
            ["output"] = new JsonObject
            {
                ["name"] = converted.Outputs[0],
                ["type"] = "float32",
                ["shape"] = multiPose ? new JsonArray(1, 6, 56) : new JsonArray(1, 1, 17, 3),
                ["format"] = multiPose
                    ? "per person: 17 x (y, x, score) then box (ymin, xmin, ymax, xmax, score); coordinates normalised to the model input"
                    : "17 x (y, x, score); coordinates normalised to the model input",
            },
            ["source"] = new JsonObject
            {
                ["package"] = facts.SourcePackage,
                ["version"] = facts.SourceVersion,
                ["integrity"] = facts.SourceIntegrity,
                ["file"] = Path.GetFileName(sourcePath),
                ["origin"] = origin,
            },
            ["licence"] = facts.Licence,
            ["converter"] = new JsonObject
            {
                ["name"] = "Portal.Tools.TfjsToOnnx",
                ["opset"] = TfjsToOnnxConverter.Opset,
                ["sourceHash"] = facts.ConverterHash,
            },
        };
        if (heads is not null)
        {
            card["heads"] = new JsonObject
            {
                ["file"] = heads.File,
                ["sha256"] = heads.Sha256,
                ["format"] = "same input with any batch size; outputs [N, G, G, C] before MoveNet's decoding, which Portal does in C#",
                ["outputs"] = new JsonArray([.. heads.Outputs.Select(o => JsonValue.Create(o))]),
                ["distanceBias"] = heads.DistanceBias,
                ["scale"] = new JsonArray([.. heads.Scale.Select(v => JsonValue.Create(v))]),
            };
        }

        if (quantization is not null)
        {
            card["quantization"] = new JsonObject
            {
                ["of"] = quantization.Of,
                ["method"] = "static int8 QDQ (Portal.Tools.TfjsToOnnx --int8): the convolutions up to the feature pyramid's last upsampling (the heads stay float); activations uint8 per tensor from the mean over the calibration frames of each frame's min and max, weights int8 symmetric per output channel, bias int32",
                ["calibration"] = new JsonArray([.. quantization.Calibration.Select(c => new JsonObject { ["clip"] = c.Clip, ["frames"] = c.Frames })]),
            };
        }

        return card.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
    }
}
