using System.Text.Json;
using System.Text.Json.Serialization;

namespace Portal.Inference.Actions;

/// <summary>
/// The model card written beside an action model's ONNX file by training/portal_actions/export.py
/// (<c>NAME.card.json</c>). It is the contract between training and the product: labels, input layout, window and
/// normalization. See docs/models.md.
/// </summary>
public sealed class ActionModelCard
{
    public required string Name { get; init; }

    public required string Version { get; init; }

    public required string Task { get; init; }

    /// <summary>ONNX file name, relative to the card.</summary>
    public required string File { get; init; }

    public required IReadOnlyList<string> Labels { get; init; }

    /// <summary><c>kinect20</c> (3D metres) or <c>coco17</c> (2D pixels + score).</summary>
    public required string Layout { get; init; }

    public required ActionWindowSpec Window { get; init; }

    public required ActionNormalizationSpec Normalization { get; init; }

    public IReadOnlyList<ActionMetric> Metrics { get; init; } = [];

    public string Terms { get; init; } = "";

    /// <summary>
    /// Calibrated at export (training/portal_actions/calibration.py): windows whose top probability is below this
    /// are "uncertain". Null on cards written before calibration existed.
    /// </summary>
    public float? UncertainBelow { get; init; }

    /// <summary>Full path of the card file this instance was read from.</summary>
    [JsonIgnore]
    public string CardPath { get; private set; } = "";

    [JsonIgnore]
    public string OnnxPath => Path.Combine(Path.GetDirectoryName(CardPath) ?? ".", File);

    [JsonIgnore]
    public int JointCount => SkeletonLayouts.JointCount(Layout);

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNameCaseInsensitive = true };

    public static ActionModelCard Load(string cardPath)
    {
        if (!System.IO.File.Exists(cardPath))
        {
            throw new FileNotFoundException($"Action model card not found at '{cardPath}'.", cardPath);
        }

        ActionModelCard card;
        try
        {
            card = JsonSerializer.Deserialize<ActionModelCard>(System.IO.File.ReadAllText(cardPath), JsonOptions)
                ?? throw new InvalidDataException($"'{cardPath}' is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{cardPath}' is not a valid action model card: {e.Message}", e);
        }

        if (card.Task != "action-recognition")
        {
            throw new InvalidDataException($"'{cardPath}' is a '{card.Task}' model card, not 'action-recognition'.");
        }

        if (card.Layout is not (SkeletonLayouts.Kinect20 or SkeletonLayouts.Coco17))
        {
            throw new InvalidDataException($"'{cardPath}': layout '{card.Layout}' is not supported (expected kinect20 or coco17).");
        }

        if (card.Labels.Count == 0 || card.Window.Frames <= 0 || card.Window.Seconds <= 0)
        {
            throw new InvalidDataException($"'{cardPath}': labels, window.frames and window.seconds must be set.");
        }

        card.CardPath = Path.GetFullPath(cardPath);
        return card;
    }
}

/// <summary>The model sees <see cref="Frames"/> frames resampled from <see cref="Seconds"/> seconds of a track.</summary>
public sealed class ActionWindowSpec
{
    public int Frames { get; init; }

    public double Seconds { get; init; }

    public double Fps { get; init; }

    public double StrideSeconds { get; init; } = 1.0;
}

public sealed class ActionNormalizationSpec
{
    /// <summary><c>kinect20-centre</c> or <c>coco17-torso</c> (docs/models.md).</summary>
    public required string Method { get; init; }
}

public sealed class ActionMetric
{
    public string Dataset { get; init; } = "";

    public string Split { get; init; } = "";

    public double Top1 { get; init; }

    public int N { get; init; }
}
