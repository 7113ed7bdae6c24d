namespace Portal.Inference.Tests.Support;

/// <summary>Where the repository, the shared data (../shared/data, never copied) and the installed models are.</summary>
internal static class TestPaths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string SharedData => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "data"));

    public static string ModelsRoot => Path.Combine(RepoRoot, "models");

    public static string Video(string name)
    {
        var path = Path.Combine(SharedData, "video", name);
        Assert.True(File.Exists(path), $"Shared clip missing: {path} (the tests read ../shared/data next to the repository).");
        return path;
    }

    /// <summary>The card of an installed pose model; fails with the command to run when <c>./portal models</c> has not run.</summary>
    public static string PoseCard(string name)
    {
        var path = Path.Combine(ModelsRoot, "pose", name + ".json");
        Assert.True(File.Exists(path), $"{path} is missing: run './portal models' first.");
        return path;
    }

    /// <summary>The original TensorFlow.js graph that <c>./portal models</c> keeps unpacked for the parity tests.</summary>
    public static string TfjsSource(string name)
    {
        var path = Path.Combine(RepoRoot, ".cache", "pose-src", "human-models-3.0.4", "models", name + ".json");
        Assert.True(File.Exists(path), $"{path} is missing: run './portal models' first.");
        return path;
    }

    private static string FindRepoRoot()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("PORTAL_REPO_ROOT");
        if (!string.IsNullOrEmpty(fromEnvironment) && File.Exists(Path.Combine(fromEnvironment, "Portal.sln")))
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

        throw new InvalidOperationException($"No Portal.sln above {AppContext.BaseDirectory}.");
    }
}

/// <summary>A temporary directory removed when disposed.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "portal-tests-" + Guid.NewGuid().ToString("N"));

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}
