using System.Text.Json.Serialization;
using Portal.Inference.ModelCards;

namespace Portal.Inference.Actions;

/// <summary>
/// The card of an action model (<c>models/actions/NAME.card.json</c>, written by training/portal_actions/export.py).
/// It is the contract between training and the product: labels, input layout, window and normalization. See
/// docs/models.md.
/// </summary>
public sealed record ActionModelCard : ModelCard
{
    public required IReadOnlyList<string> Labels { get; init; }

    public required ActionWindowSpec Window { get; init; }

    public required ActionNormalizationSpec Normalization { get; init; }

    public IReadOnlyList<ActionMetric> Metrics { get; init; } = [];

    public string Terms { get; init; } = "";

    /// <summary>
    /// Calibrated at export (training/portal_actions/calibration.py): windows whose top probability is below this
    /// are "uncertain". Null on cards written before calibration existed.
    /// </summary>
    public float? UncertainBelow { get; init; }

    [JsonIgnore]
    public int JointCount => SkeletonLayouts.JointCount(Layout);

    /// <summary>Reads and checks an action card; a card that Portal cannot run is an <see cref="InvalidDataException"/> naming the file.</summary>
    public static new ActionModelCard Load(string cardPath) => Check(Read<ActionModelCard>(cardPath), cardPath);

    /// <summary>Reads and checks an action card's JSON as if it were the file at <paramref name="cardPath"/>.</summary>
    public static ActionModelCard Parse(string json, string cardPath) => Check(Parse<ActionModelCard>(System.Text.Encoding.UTF8.GetBytes(json), cardPath), cardPath);

    private static ActionModelCard Check(ActionModelCard card, string cardPath)
    {
        if (card.Task != "action-recognition")
        {
            throw new InvalidDataException($"'{cardPath}' is a '{card.Task}' model card, not 'action-recognition'.");
        }

        if (string.IsNullOrEmpty(card.File))
        {
            throw new InvalidDataException($"'{cardPath}' does not name its ONNX file (\"file\").");
        }

        if (card.Layout is not (SkeletonLayouts.Kinect20 or SkeletonLayouts.Coco17))
        {
            throw new InvalidDataException($"'{cardPath}': layout '{card.Layout}' is not supported (expected kinect20 or coco17).");
        }

        if (card.Labels.Count == 0 || card.Window.Frames <= 0 || card.Window.Seconds <= 0)
        {
            throw new InvalidDataException($"'{cardPath}': labels, window.frames and window.seconds must be set.");
        }

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
