using System.Text.Json;
using System.Text.Json.Nodes;
using Portal.Inference.Actions;
using Portal.Inference.ModelCards;
using Portal.Inference.Onnx;
using Xunit.Abstractions;

namespace Portal.Inference.Tests.Actions;

public class ActionRecognizerTests(ITestOutputHelper output)
{
    private static readonly OnnxSessionFactory Sessions = new(new InferenceOptions { IntraOpThreads = 1 });

    private static ActionRecognizer Load(string name) => ActionRecognizer.Load(ActionFixtures.Card(name), Sessions);

    [Fact]
    public void EveryCommittedActionModel_HasAParityFixture()
    {
        var cards = Directory.GetFiles(ActionFixtures.ModelsFolder, "*.card.json").Select(p => Path.GetFileName(p)[..^".card.json".Length]).Order(StringComparer.Ordinal);
        var fixtures = ActionFixtures.PublishedModels().Select(o => (string)o[0]).Order(StringComparer.Ordinal);

        Assert.Contains(ModelCatalog.DefaultActionModel, cards);
        Assert.Equal(cards, fixtures);
    }

    [Fact]
    public void EveryCommittedActionModel_CarriesACalibratedUncertainThreshold()
    {
        foreach (var card in Directory.GetFiles(ActionFixtures.ModelsFolder, "*.card.json").Select(ActionModelCard.Load))
        {
            Assert.True(card.UncertainBelow is > 0f and < 1f, $"{card.Name}: uncertainBelow {card.UncertainBelow}");
        }
    }

    [Fact]
    public void ModelCatalog_ListsTheCommittedActionModels_WithTheirOnnxFiles()
    {
        var skipped = new List<string>();
        var actions = ModelCatalog.List(TestPaths.ModelsRoot, (path, why) => skipped.Add(path))
            .Where(c => c.Task == "action-recognition").ToList();

        Assert.Equal(["actions-coco2d", "actions-msr-3d", "actions-nwucla-3d"], actions.Select(c => c.Name));
        Assert.All(actions, c => Assert.True(File.Exists(c.ModelPath), c.ModelPath));
        Assert.DoesNotContain(skipped, p => p.Contains("actions", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(ActionFixtures.PublishedModels), MemberType = typeof(ActionFixtures))]
    public void OnnxRuntime_MatchesPyTorch_OnFixedInputs(string name)
    {
        using var recognizer = Load(name);
        using var doc = ActionFixtures.Read(name + ".parity.json");
        AssertParity(name, recognizer, doc.RootElement);
    }

    /// <summary>The graphs of config options no shipped model uses yet (frequency attention, information
    /// bottleneck): tiny untrained models written by <c>python3 -m portal_actions.fixtures --graphs</c>.</summary>
    public static IEnumerable<object[]> OptionGraphs() =>
        Directory.GetFiles(Path.Combine(ActionFixtures.Folder, "graphs"), "*.card.json").Order(StringComparer.Ordinal)
            .Select(p => new object[] { Path.GetFileName(p)[..^".card.json".Length] });

    [Theory]
    [MemberData(nameof(OptionGraphs))]
    public void OnnxRuntime_MatchesPyTorch_OnTheGraphOfEachModelOption(string name)
    {
        var folder = Path.Combine(ActionFixtures.Folder, "graphs");
        using var recognizer = ActionRecognizer.Load(Path.Combine(folder, name + ".card.json"), Sessions);
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, name + ".parity.json")));
        AssertParity(name, recognizer, doc.RootElement);
    }

    private void AssertParity(string name, ActionRecognizer recognizer, JsonElement root)
    {
        var shape = root.GetProperty("shape").EnumerateArray().Select(x => x.GetInt32()).ToArray();
        var input = root.GetProperty("inputs").EnumerateArray().Select(x => x.GetSingle()).ToArray();
        var logits = ActionFixtures.Doubles(root.GetProperty("logits"));
        var frameAtt = ActionFixtures.Doubles(root.GetProperty("frameAttention"));
        var jointAtt = ActionFixtures.Doubles(root.GetProperty("jointAttention"));

        var outputs = recognizer.Run(input, shape[0]);

        var k = recognizer.Card.Labels.Count;
        var maxLogit = 0.0;
        var maxAtt = 0.0;
        for (var b = 0; b < shape[0]; b++)
        {
            for (var i = 0; i < k; i++)
            {
                maxLogit = Math.Max(maxLogit, Math.Abs(outputs[b].Logits[i] - logits[b * k + i]));
            }

            for (var i = 0; i < outputs[b].FrameAttention.Length; i++)
            {
                maxAtt = Math.Max(maxAtt, Math.Abs(outputs[b].FrameAttention[i] - frameAtt[b * shape[1] + i]));
            }

            var tv = outputs[b].JointAttention.Length;
            for (var i = 0; i < tv; i++)
            {
                maxAtt = Math.Max(maxAtt, Math.Abs(outputs[b].JointAttention[i] - jointAtt[b * tv + i]));
            }
        }

        output.WriteLine($"{name}: {shape[0]} windows, max |delta logits| = {maxLogit:E2}, max |delta attention| = {maxAtt:E2}");
        Assert.True(maxLogit <= 1e-4, $"{name}: max |delta logits| = {maxLogit:E2}");
        Assert.True(maxAtt <= 1e-5, $"{name}: max |delta attention| = {maxAtt:E2}");
    }

    [Fact]
    public void Load_FailsWithExpectedAndActual_WhenTheCardDoesNotMatchTheOnnxModel()
    {
        using var temp = new TempDirectory();
        var card = JsonNode.Parse(File.ReadAllText(ActionFixtures.Card(ModelCatalog.DefaultActionModel)))!;
        card["window"]!["frames"] = 48;
        card["file"] = Path.Combine(ActionFixtures.ModelsFolder, ModelCatalog.DefaultActionModel + ".onnx");
        var path = temp.File("wrong.card.json");
        File.WriteAllText(path, card.ToJsonString());

        var error = Assert.Throws<InvalidDataException>(() => ActionRecognizer.Load(path, Sessions));

        Assert.Contains("input 'joints' expected float [batch, 48, 17, 3], actual Single [batch, 32, 17, 3]", error.Message, StringComparison.Ordinal);
    }
}
