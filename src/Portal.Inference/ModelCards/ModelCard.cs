using System.Text.Json;
using System.Text.Json.Serialization;

namespace Portal.Inference.ModelCards;

/// <summary>
/// The JSON card written next to every model under <c>models/</c>, always named <c>NAME.card.json</c>
/// (<c>models/pose/</c> by <c>./portal models</c>, <c>models/actions/</c> by training). These are the fields every card
/// has; <see cref="PoseModelCard"/> and <see cref="Actions.ActionModelCard"/> add their task's own. Only the fields
/// Portal reads are typed here; the file may hold more.
/// </summary>
public record ModelCard
{
    /// <summary>What a card's file name ends with: <c>movenet-lightning.card.json</c> holds the card of <c>movenet-lightning</c>.</summary>
    public const string FileSuffix = ".card.json";

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNameCaseInsensitive = true };

    public string Name { get; init; } = "";

    public string Version { get; init; } = "";

    /// <summary>"pose-estimation" or "action-recognition".</summary>
    public string Task { get; init; } = "";

    /// <summary>Keypoint layout, e.g. "coco17" or "kinect20"; empty when the card does not say.</summary>
    public string Layout { get; init; } = "";

    /// <summary>The model file's name, relative to the card's directory; null when the card does not say.</summary>
    public string? File { get; init; }

    public string? Sha256 { get; init; }

    /// <summary>Where the card was read from.</summary>
    [JsonIgnore]
    public string CardPath { get; private set; } = "";

    /// <summary>The model file's full path (<see cref="File"/> next to the card, or the card's name with .onnx).</summary>
    [JsonIgnore]
    public string ModelPath => Path.Combine(Path.GetDirectoryName(CardPath)!, File ?? NameOf(CardPath) + ".onnx");

    /// <summary>The model name a card file stands for: <c>pose/movenet-lightning.card.json</c> gives <c>movenet-lightning</c>.</summary>
    public static string NameOf(string cardPath)
    {
        var fileName = Path.GetFileName(cardPath);
        return fileName.EndsWith(FileSuffix, StringComparison.Ordinal) ? fileName[..^FileSuffix.Length] : Path.GetFileNameWithoutExtension(fileName);
    }

    /// <summary>Reads the fields every card has; throws <see cref="InvalidDataException"/> naming the file when one is missing.</summary>
    public static ModelCard Load(string cardPath) => Read<ModelCard>(cardPath);

    /// <summary>
    /// Reads a card as <typeparamref name="T"/>: a missing file is a <see cref="FileNotFoundException"/>, a file that
    /// is not a card (bad JSON, a required field missing) an <see cref="InvalidDataException"/> naming the file.
    /// </summary>
    protected static T Read<T>(string cardPath) where T : ModelCard
    {
        if (!System.IO.File.Exists(cardPath))
        {
            throw new FileNotFoundException($"Model card not found at '{cardPath}'.", cardPath);
        }

        return Parse<T>(System.IO.File.ReadAllBytes(cardPath), cardPath);
    }

    /// <summary>Reads a card's JSON as <typeparamref name="T"/> as if it were the file at <paramref name="cardPath"/> (a registered model's card comes from the database).</summary>
    protected static T Parse<T>(byte[] json, string cardPath) where T : ModelCard
    {
        T card;
        try
        {
            card = JsonSerializer.Deserialize<T>(json, JsonOptions)
                ?? throw new InvalidDataException($"Model card '{cardPath}' is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Model card '{cardPath}' is not a valid card: {e.Message}", e);
        }

        foreach (var (key, value) in new[] { ("name", card.Name), ("version", card.Version), ("task", card.Task) })
        {
            if (string.IsNullOrEmpty(value))
            {
                throw new InvalidDataException($"Model card '{cardPath}' has no string field \"{key}\".");
            }
        }

        card.CardPath = Path.GetFullPath(cardPath);
        return card;
    }
}
