using Portal.Evaluation;

namespace Portal.TestSupport;

/// <summary>
/// Where the repository, its models and the shared data (../shared/data next to the repository, never copied) are,
/// as <see cref="RepositoryLayout"/> finds them for the CLI.
/// </summary>
public static class TestPaths
{
    public static string RepoRoot => RepositoryLayout.Root;

    public static string SharedData => RepositoryLayout.SharedData;

    public static string ModelsRoot => RepositoryLayout.ModelsRoot;

    public static string Video(string name) => Path.Combine(SharedData, "video", name);

    public static IEnumerable<string> SharedVideos() =>
        Directory.EnumerateFiles(Path.Combine(SharedData, "video")).Where(f => !f.EndsWith(".json", StringComparison.Ordinal)).Order();

    /// <summary>The card of an installed pose model; fails with the command to run when <c>./portal models</c> has not run.</summary>
    public static string PoseCard(string name) => Installed(Path.Combine(ModelsRoot, "pose", name + ".card.json"));

    /// <summary>The original TensorFlow.js graph that <c>./portal models</c> keeps unpacked for the parity tests.</summary>
    public static string TfjsSource(string name) =>
        Installed(Path.Combine(RepoRoot, ".cache", "pose-src", "human-models-3.0.4", "models", name + ".json"));

    private static string Installed(string path) =>
        File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing: run './portal models' first.", path);
}

/// <summary>A directory deleted with everything in it on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory(string prefix = "portal-test")
    {
        Path = Directory.CreateTempSubdirectory(prefix + "-").FullName;
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

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
