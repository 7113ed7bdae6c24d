using System.Text.Json;

namespace Portal.Inference.ModelCards;

/// <summary>
/// Finds model cards under a models directory (<c>pose/NAME.card.json</c>, <c>actions/NAME.card.json</c>): the one
/// place that knows the layout, used by the worker and the CLI alike.
/// </summary>
public static class ModelCatalog
{
    /// <summary>The portal's default action model: 2D COCO-17 keypoints with scores, as the pose stage produces them.</summary>
    public const string DefaultActionModel = "actions-coco2d";

    /// <summary>
    /// Every card (a <c>*.card.json</c> file with "name", "version" and "task") under <paramref name="modelsRoot"/>,
    /// sorted by task then name. Card files that cannot be read are skipped and reported through <paramref name="skipped"/>.
    /// </summary>
    public static IReadOnlyList<ModelCard> List(string modelsRoot, Action<string, string>? skipped = null)
    {
        if (!Directory.Exists(modelsRoot))
        {
            return [];
        }

        var cards = new List<ModelCard>();
        foreach (var path in Directory.EnumerateFiles(modelsRoot, "*" + ModelCard.FileSuffix, SearchOption.AllDirectories))
        {
            try
            {
                cards.Add(ModelCard.Load(path));
            }
            catch (Exception e) when (e is JsonException or InvalidDataException)
            {
                skipped?.Invoke(path, e.Message);
            }
        }

        return [.. cards.OrderBy(c => c.Task, StringComparer.Ordinal).ThenBy(c => c.Name, StringComparer.Ordinal)];
    }

    /// <summary>The pose model card <c>modelsRoot/pose/NAME.card.json</c>, with a sentence saying what to run when it is missing.</summary>
    public static PoseModelCard PoseModel(string modelsRoot, string name)
    {
        var path = CardPath(modelsRoot, "pose", name);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"No pose model '{name}' in '{Path.GetDirectoryName(path)}'. Run './portal models' to install the MoveNet models.", path);
        }

        return PoseModelCard.Load(path);
    }

    /// <summary>
    /// An action model by NAME (<c>modelsRoot/actions/NAME.card.json</c>) or by the path of a card file (anything
    /// ending in .json or holding a '/'); a missing model is a <see cref="FileNotFoundException"/> naming the installed ones.
    /// </summary>
    public static Actions.ActionModelCard ActionModel(string modelsRoot, string nameOrPath)
    {
        if (nameOrPath.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || nameOrPath.Contains('/', StringComparison.Ordinal))
        {
            return Actions.ActionModelCard.Load(Path.GetFullPath(nameOrPath));
        }

        var path = CardPath(modelsRoot, "actions", nameOrPath);
        if (!File.Exists(path))
        {
            var installed = Names(modelsRoot, "actions");
            throw new FileNotFoundException($"No action model '{nameOrPath}' (looked for {path}); installed: {(installed.Count == 0 ? "none" : string.Join(", ", installed))}.", path);
        }

        return Actions.ActionModelCard.Load(path);
    }

    /// <summary>The names of the cards in <c>modelsRoot/KIND</c> (<c>pose</c> or <c>actions</c>), sorted; empty when the folder is missing.</summary>
    public static IReadOnlyList<string> Names(string modelsRoot, string kind)
    {
        var directory = Path.Combine(modelsRoot, kind);
        return Directory.Exists(directory)
            ? [.. Directory.EnumerateFiles(directory, "*" + ModelCard.FileSuffix).Select(ModelCard.NameOf).Order(StringComparer.Ordinal)]
            : [];
    }

    private static string CardPath(string modelsRoot, string kind, string name) => Path.Combine(modelsRoot, kind, name + ModelCard.FileSuffix);
}
