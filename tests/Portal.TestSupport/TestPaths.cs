namespace Portal.TestSupport;

/// <summary>Where the repository and the shared data (../shared next to the repository) are.</summary>
public static class TestPaths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string SharedData => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "data"));

    public static string Video(string name) => Path.Combine(SharedData, "video", name);

    public static IEnumerable<string> SharedVideos() =>
        Directory.EnumerateFiles(Path.Combine(SharedData, "video")).Where(f => !f.EndsWith(".json", StringComparison.Ordinal)).Order();

    private static string FindRepoRoot()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("PORTAL_REPO_ROOT");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return fromEnvironment;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Portal.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Portal.sln not found above the test assembly; set PORTAL_REPO_ROOT.");
    }
}

/// <summary>A directory deleted with everything in it on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory(string prefix = "portal-test")
    {
        Path = Directory.CreateTempSubdirectory(prefix + "-").FullName;
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A process that still holds a file must not fail the test run; /tmp is cleaned by the system.
        }
    }
}
