using System.Text.Json;
using System.Text.Json.Serialization;

namespace Portal.Inference.ModelCards;

/// <summary>The card of a pose model (<c>models/pose/NAME.card.json</c>, written by Portal.Tools.TfjsToOnnx).</summary>
public sealed record PoseModelCard : ModelCard
{
    /// <summary>Square side of the model input in pixels (<c>input.size[0]</c>), 0 when not given.</summary>
    [JsonIgnore]
    public int InputSize { get; init; }

    /// <summary>
    /// True when the input is shaped like each frame rather than a square (<c>input.fit</c> is <c>"frame"</c>; absent or
    /// <c>"square"</c>: false): see <see cref="Pose.PoseEstimatorOptions.FitInputToFrame"/>.
    /// </summary>
    [JsonIgnore]
    public bool InputFitsFrame { get; init; }

    /// <summary>Most people one inference reports; 1 for single-pose models.</summary>
    public int MaxPersons { get; init; } = 1;

    /// <summary>Single-pose MoveNet only: the batchable variant that stops at the heads; null when absent.</summary>
    [JsonIgnore]
    public PoseHeads? Heads { get; init; }

    /// <summary>Reads a pose card; throws <see cref="InvalidDataException"/> naming the file when a required field is missing.</summary>
    public static new PoseModelCard Load(string cardPath)
    {
        var card = Read<PoseModelCard>(cardPath);
        // input.size and heads.scale are arrays on disk and plain numbers here, so these two are read by hand.
        using var document = JsonDocument.Parse(System.IO.File.ReadAllBytes(cardPath));
        var root = document.RootElement;
        var (inputSize, fitsFrame) = (0, false);
        if (root.TryGetProperty("input", out var input) && input.ValueKind == JsonValueKind.Object)
        {
            if (input.TryGetProperty("size", out var size) && size.ValueKind == JsonValueKind.Array && size.GetArrayLength() > 0)
            {
                inputSize = size[0].GetInt32();
            }

            if (input.TryGetProperty("fit", out var fit))
            {
                fitsFrame = fit.GetString() switch
                {
                    "frame" => true,
                    "square" => false,
                    var other => throw new InvalidDataException($"Model card '{cardPath}': input.fit is '{other}'; expected \"frame\" or \"square\"."),
                };
            }
        }

        PoseHeads? heads = null;
        if (root.TryGetProperty("heads", out var h) && h.ValueKind == JsonValueKind.Object)
        {
            var scale = h.GetProperty("scale");
            heads = new PoseHeads(
                h.GetProperty("file").GetString() ?? throw new InvalidDataException($"Model card '{cardPath}': heads.file is null."),
                h.GetProperty("distanceBias").GetSingle(),
                scale[0].GetSingle(),
                scale[1].GetSingle());
        }

        return card with { InputSize = inputSize, InputFitsFrame = fitsFrame, Heads = heads };
    }
}

/// <summary>
/// The batchable heads variant of a single-pose MoveNet (<c>NAME.heads.onnx</c>, outputs heatmap, center, regress,
/// offset) and the two constants of the cut-off decoding (<see cref="Pose.SinglePoseHeadsDecoder"/>).
/// </summary>
public sealed record PoseHeads(string File, float DistanceBias, float ScaleY, float ScaleX);
