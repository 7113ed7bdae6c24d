using System.Text.Json;

namespace Portal.TestSupport;

/// <summary>
/// The committed action models and the files the Python side writes for the C# tests
/// (training/portal_actions/{fixtures,export}.py write them to tests/Portal.Inference.Tests/Actions/Fixtures).
/// </summary>
public static class ActionFixtures
{
    public static string Folder => Path.Combine(TestPaths.RepoRoot, "tests", "Portal.Inference.Tests", "Actions", "Fixtures");

    public static string ModelsFolder => Path.Combine(TestPaths.ModelsRoot, "actions");

    public static string Card(string name) => Path.Combine(ModelsFolder, name + ".card.json");

    /// <summary>Every committed model that has a parity fixture, as xunit member data: (name).</summary>
    public static IEnumerable<object[]> PublishedModels() =>
        Directory.GetFiles(Folder, "*.parity.json").Order(StringComparer.Ordinal)
            .Select(p => Path.GetFileName(p)[..^".parity.json".Length])
            .Select(name => new object[] { name });

    public static JsonDocument Read(string fileName) => JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Folder, fileName)));

    public static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(x => x.GetDouble()).ToArray();

    /// <summary>[F][V][3] nested arrays -> F flat frames of V * 3.</summary>
    public static List<double[]> Frames(JsonElement e) =>
        e.EnumerateArray().Select(f => f.EnumerateArray().SelectMany(j => j.EnumerateArray().Select(x => x.GetDouble())).ToArray()).ToList();
}
