using System.Text.Json;
using Portal.Inference.Actions;

namespace Portal.Inference.Tests.Actions;

/// <summary>Paths of the files the Python side writes for these tests (training/portal_actions/{fixtures,export}.py).</summary>
internal static class Fixtures
{
    public static string Root => ActionModels.RepositoryRoot();

    public static string Folder => Path.Combine(Root, "tests", "Portal.Inference.Tests", "Actions", "Fixtures");

    public static string ModelsFolder => Path.Combine(Root, "models", "actions");

    /// <summary>Every committed model that has a parity fixture: (name, card path, fixture path).</summary>
    public static IEnumerable<object[]> PublishedModels() =>
        Directory.GetFiles(Folder, "*.parity.json").Order(StringComparer.Ordinal)
            .Select(p => Path.GetFileName(p)[..^".parity.json".Length])
            .Select(name => new object[] { name });

    public static JsonDocument Read(string fileName) => JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Folder, fileName)));

    public static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(x => x.GetDouble()).ToArray();

    /// <summary>[F][V][3] nested arrays -> F flat frames of V * 3.</summary>
    public static List<double[]> Frames(JsonElement e) =>
        e.EnumerateArray().Select(f => f.EnumerateArray().SelectMany(j => j.EnumerateArray().Select(x => x.GetDouble())).ToArray()).ToList();

    public static string TempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "portal-actions-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }
}
