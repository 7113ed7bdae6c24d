namespace Portal.Evaluation;

/// <summary>
/// Where a checkout keeps things, for the programs and tests that run from one (never for the product, which is
/// configured): the repository root (<c>PORTAL_REPO_ROOT</c>, else the first folder above the running assembly
/// that holds Portal.sln), its <c>models/</c>, and the shared data next to it (<c>PORTAL_SHARED_DATA</c>, else
/// <c>../shared/data</c>, read in place and never copied).
/// </summary>
public static class RepositoryLayout
{
    private static readonly Lazy<string?> FoundRoot = new(FindRoot);

    /// <summary>The repository root; throws <see cref="DirectoryNotFoundException"/> saying what to set when there is none.</summary>
    public static string Root => FoundRoot.Value ?? throw new DirectoryNotFoundException(
        $"Could not find the repository root (no Portal.sln above {AppContext.BaseDirectory}); set PORTAL_REPO_ROOT.");

    /// <summary>The repository root, or null when the program does not run from a checkout.</summary>
    public static string? TryRoot => FoundRoot.Value;

    public static string ModelsRoot => Path.Combine(Root, "models");

    public static string SharedData
    {
        get
        {
            var fromEnvironment = Environment.GetEnvironmentVariable("PORTAL_SHARED_DATA");
            return string.IsNullOrEmpty(fromEnvironment) ? Path.GetFullPath(Path.Combine(Root, "..", "shared", "data")) : fromEnvironment;
        }
    }

    private static string? FindRoot()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("PORTAL_REPO_ROOT");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return Path.GetFullPath(fromEnvironment);
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Portal.sln")))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
