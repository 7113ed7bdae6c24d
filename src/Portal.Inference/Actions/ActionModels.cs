namespace Portal.Inference.Actions;

/// <summary>Where action model cards live: <c>models/actions/NAME.card.json</c> under the repository root.</summary>
public static class ActionModels
{
    /// <summary>The portal's default: 2D COCO-17 keypoints with scores, as the pose stage produces them.</summary>
    public const string DefaultModel = "actions-coco2d";

    /// <summary>
    /// The repository root: <c>PORTAL_REPO_ROOT</c> when set, otherwise the first folder above
    /// <paramref name="start"/> (default: the running assembly) that holds Portal.sln.
    /// </summary>
    public static string RepositoryRoot(string? start = null)
    {
        var fromEnv = Environment.GetEnvironmentVariable("PORTAL_REPO_ROOT");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return Path.GetFullPath(fromEnv);
        }

        for (var dir = new DirectoryInfo(start ?? AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Portal.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("Could not find the repository root (Portal.sln); set PORTAL_REPO_ROOT.");
    }

    /// <summary>../shared/data relative to the repository root, or <c>PORTAL_SHARED_DATA</c>.</summary>
    public static string SharedDataRoot()
    {
        var fromEnv = Environment.GetEnvironmentVariable("PORTAL_SHARED_DATA");
        return string.IsNullOrEmpty(fromEnv) ? Path.GetFullPath(Path.Combine(RepositoryRoot(), "..", "shared", "data")) : fromEnv;
    }

    /// <summary>A model NAME (looked up as models/actions/NAME.card.json) or a path to a card file.</summary>
    public static string ResolveCard(string nameOrPath)
    {
        if (nameOrPath.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || nameOrPath.Contains('/', StringComparison.Ordinal))
        {
            return Path.GetFullPath(nameOrPath);
        }

        var path = Path.Combine(RepositoryRoot(), "models", "actions", nameOrPath + ".card.json");
        if (!File.Exists(path))
        {
            var known = Directory.Exists(Path.GetDirectoryName(path))
                ? string.Join(", ", Directory.GetFiles(Path.GetDirectoryName(path)!, "*.card.json").Select(p => Path.GetFileName(p)[..^".card.json".Length]).Order(StringComparer.Ordinal))
                : "none";
            throw new FileNotFoundException($"No action model '{nameOrPath}' (looked for {path}); installed: {known}.", path);
        }

        return path;
    }
}
