using System.Text.Json;

namespace Portal.Inference.ModelCards;

/// <summary>
/// The JSON card written next to every model under <c>models/</c> (<c>models/pose/NAME.json</c> by
/// <c>./portal models</c>, <c>models/actions/NAME.json</c> by training). Only the fields Portal reads are typed here;
/// the file may hold more.
/// </summary>
public sealed record ModelCard
{
    public required string Name { get; init; }

    public required string Version { get; init; }

    /// <summary>"pose-estimation" or "action-recognition".</summary>
    public required string Task { get; init; }

    /// <summary>Keypoint layout, e.g. "coco17"; null when the card does not say.</summary>
    public string? Layout { get; init; }

    /// <summary>The model file's name, relative to the card's directory; null when the card does not say.</summary>
    public string? File { get; init; }

    public string? Sha256 { get; init; }

    /// <summary>Square side of the model input in pixels (pose models), 0 when not given.</summary>
    public int InputSize { get; init; }

    /// <summary>Most people one inference reports (pose models); 1 for single-pose models.</summary>
    public int MaxPersons { get; init; } = 1;

    /// <summary>Single-pose MoveNet only: the batchable variant that stops at the heads; null when absent.</summary>
    public PoseHeads? Heads { get; init; }

    /// <summary>Where the card was read from.</summary>
    public required string CardPath { get; init; }

    /// <summary>The model file's full path (<see cref="File"/> next to the card, or the card's name with .onnx).</summary>
    public string ModelPath => Path.Combine(Path.GetDirectoryName(CardPath)!, File ?? Path.ChangeExtension(Path.GetFileName(CardPath), ".onnx"));

    /// <summary>Reads a card; throws <see cref="InvalidDataException"/> naming the file when a required field is missing.</summary>
    public static ModelCard Load(string cardPath)
    {
        using var document = JsonDocument.Parse(System.IO.File.ReadAllBytes(cardPath));
        var root = document.RootElement;
        string Required(string key) =>
            root.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.String
                ? value.GetString()!
                : throw new InvalidDataException($"Model card '{cardPath}' has no string field \"{key}\".");
        string? Optional(string key) => root.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

        var inputSize = 0;
        if (root.TryGetProperty("input", out var input) && input.ValueKind == JsonValueKind.Object &&
            input.TryGetProperty("size", out var size) && size.ValueKind == JsonValueKind.Array && size.GetArrayLength() > 0)
        {
            inputSize = size[0].GetInt32();
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

        return new ModelCard
        {
            Heads = heads,
            Name = Required("name"),
            Version = root.TryGetProperty("version", out var v) ? v.ToString() : throw new InvalidDataException($"Model card '{cardPath}' has no field \"version\"."),
            Task = Required("task"),
            Layout = Optional("layout"),
            File = Optional("file"),
            Sha256 = Optional("sha256"),
            InputSize = inputSize,
            MaxPersons = root.TryGetProperty("maxPersons", out var m) && m.ValueKind == JsonValueKind.Number ? m.GetInt32() : 1,
            CardPath = Path.GetFullPath(cardPath),
        };
    }
}

/// <summary>
/// The batchable heads variant of a single-pose MoveNet (<c>NAME.heads.onnx</c>, outputs heatmap, center, regress,
/// offset) and the two constants of the cut-off decoding (<see cref="Pose.SinglePoseHeadsDecoder"/>).
/// </summary>
public sealed record PoseHeads(string File, float DistanceBias, float ScaleY, float ScaleX);

/// <summary>Finds model cards under a models directory.</summary>
public static class ModelCatalog
{
    /// <summary>
    /// Every card (a <c>*.json</c> file with "name", "version" and "task") under <paramref name="modelsRoot"/>, sorted
    /// by task then name. Files that are not cards are skipped and reported through <paramref name="skipped"/>.
    /// </summary>
    public static IReadOnlyList<ModelCard> List(string modelsRoot, Action<string, string>? skipped = null)
    {
        if (!Directory.Exists(modelsRoot))
        {
            return [];
        }

        var cards = new List<ModelCard>();
        foreach (var path in Directory.EnumerateFiles(modelsRoot, "*.json", SearchOption.AllDirectories))
        {
            try
            {
                cards.Add(ModelCard.Load(path));
            }
            catch (Exception e) when (e is JsonException or InvalidDataException or InvalidOperationException or FormatException)
            {
                skipped?.Invoke(path, e.Message);
            }
        }

        return [.. cards.OrderBy(c => c.Task, StringComparer.Ordinal).ThenBy(c => c.Name, StringComparer.Ordinal)];
    }

    /// <summary>The pose model card <c>modelsRoot/pose/NAME.json</c>, with a sentence saying what to run when it is missing.</summary>
    public static ModelCard PoseModel(string modelsRoot, string name)
    {
        var path = Path.Combine(modelsRoot, "pose", name + ".json");
        if (!System.IO.File.Exists(path))
        {
            throw new FileNotFoundException($"No pose model '{name}' in '{Path.Combine(modelsRoot, "pose")}'. Run './portal models' to install the MoveNet models.", path);
        }

        return ModelCard.Load(path);
    }
}
