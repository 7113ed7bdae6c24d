using System.Text.Json;
using System.Text.Json.Nodes;
using Portal.Inference.Actions;
using Portal.Inference.Onnx;
using Xunit.Abstractions;

namespace Portal.Inference.Tests.Actions;

public class ActionRecognizerTests(ITestOutputHelper output)
{
    private static readonly OnnxSessionFactory Sessions = new(new InferenceOptions { IntraOpThreads = 1 });

    private static ActionRecognizer Load(string name) => ActionRecognizer.Load(Path.Combine(Fixtures.ModelsFolder, name + ".card.json"), Sessions);

    [Fact]
    public void EveryCommittedActionModel_HasAParityFixture()
    {
        var cards = Directory.GetFiles(Fixtures.ModelsFolder, "*.card.json").Select(p => Path.GetFileName(p)[..^".card.json".Length]).Order(StringComparer.Ordinal);
        var fixtures = Fixtures.PublishedModels().Select(o => (string)o[0]).Order(StringComparer.Ordinal);

        Assert.Contains(ActionModels.DefaultModel, cards);
        Assert.Equal(cards, fixtures);
    }

    [Fact]
    public void EveryCommittedActionModel_CarriesACalibratedUncertainThreshold()
    {
        foreach (var card in Directory.GetFiles(Path.Combine(Fixtures.Root, "models", "actions"), "*.card.json").Select(ActionModelCard.Load))
        {
            Assert.True(card.UncertainBelow is > 0f and < 1f, $"{card.Name}: uncertainBelow {card.UncertainBelow}");
        }
    }

    [Fact]
    public void ModelCatalog_ListsTheCommittedActionModels_WithTheirOnnxFiles()
    {
        var skipped = new List<string>();
        var actions = Portal.Inference.ModelCards.ModelCatalog.List(Path.Combine(Fixtures.Root, "models"), (path, why) => skipped.Add(path))
            .Where(c => c.Task == "action-recognition").ToList();

        Assert.Equal(["actions-coco2d", "actions-msr-3d", "actions-nwucla-3d"], actions.Select(c => c.Name));
        Assert.All(actions, c => Assert.True(File.Exists(c.ModelPath), c.ModelPath));
        Assert.DoesNotContain(skipped, p => p.Contains("actions", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Fixtures.PublishedModels), MemberType = typeof(Fixtures))]
    public void OnnxRuntime_MatchesPyTorch_OnFixedInputs(string name)
    {
        using var recognizer = Load(name);
        using var doc = Fixtures.Read(name + ".parity.json");
        var root = doc.RootElement;
        var shape = root.GetProperty("shape").EnumerateArray().Select(x => x.GetInt32()).ToArray();
        var input = root.GetProperty("inputs").EnumerateArray().Select(x => x.GetSingle()).ToArray();
        var logits = Fixtures.Doubles(root.GetProperty("logits"));
        var frameAtt = Fixtures.Doubles(root.GetProperty("frameAttention"));
        var jointAtt = Fixtures.Doubles(root.GetProperty("jointAttention"));

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

    [Theory]
    [MemberData(nameof(Fixtures.PublishedModels), MemberType = typeof(Fixtures))]
    public void Evaluate_AgreesWithThePythonEvaluation_SampleBySample(string name)
    {
        using var recognizer = Load(name);
        using var doc = Fixtures.Read(name + ".predictions.json");
        var python = doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        var datasets = python.Keys.Select(k => k[..k.IndexOf('/', StringComparison.Ordinal)]).Distinct().ToList();

        foreach (var dataset in datasets)
        {
            var samples = ActionDatasets.LoadTestSplit(dataset, ActionModels.SharedDataRoot());
            var result = ActionEvaluator.Evaluate(recognizer, samples, dataset);
            var expected = python.Where(p => p.Key.StartsWith(dataset + "/", StringComparison.Ordinal)).ToList();
            Assert.Equal(expected.Count, result.Count);
            var disagreements = expected.Where(p => result.Predictions[p.Key] != p.Value).Select(p => p.Key).ToList();
            Assert.True(disagreements.Count == 0, $"{name} on {dataset}: C# and Python disagree on {string.Join(", ", disagreements)}");
            var metric = recognizer.Card.Metrics.Single(m => m.Dataset == dataset);
            Assert.Equal(metric.N, result.Count);
            Assert.Equal(metric.Top1, result.Top1, 4);
        }
    }

    [Fact]
    public void Load_FailsWithExpectedAndActual_WhenTheCardDoesNotMatchTheOnnxModel()
    {
        var dir = Fixtures.TempDir();
        try
        {
            var card = JsonNode.Parse(File.ReadAllText(Path.Combine(Fixtures.ModelsFolder, ActionModels.DefaultModel + ".card.json")))!;
            card["window"]!["frames"] = 48;
            card["file"] = Path.Combine(Fixtures.ModelsFolder, ActionModels.DefaultModel + ".onnx");
            var path = Path.Combine(dir, "wrong.card.json");
            File.WriteAllText(path, card.ToJsonString());

            var error = Assert.Throws<InvalidDataException>(() => ActionRecognizer.Load(path, Sessions));

            Assert.Contains("input 'joints' expected float [batch, 48, 17, 3], actual Single [batch, 32, 17, 3]", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Run_GivesEachWindowTheSameResult_WhenTheBatchIsPaddedWithZeroWindows()
    {
        // The pipeline pads a track's last batch to the full batch size (one input shape for ONNX Runtime).
        using var recognizer = Load(ActionModels.DefaultModel);
        var samples = ActionDatasets.LoadNwUclaTest(ActionModels.SharedDataRoot()).Take(3).ToList();
        var input = new float[3 * recognizer.WindowSize];
        for (var i = 0; i < 3; i++)
        {
            recognizer.PrepareWindow(samples[i].Frames.Select(f => SkeletonLayouts.EvalProjection(f)).ToList()).CopyTo(input, i * recognizer.WindowSize);
        }

        var padded = new float[8 * recognizer.WindowSize];
        input.CopyTo(padded, 0);

        var alone = recognizer.Run(input, 3);
        var withPadding = recognizer.Run(padded, 8);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(alone[i].TopK[0].Label, withPadding[i].TopK[0].Label);
            Assert.All(alone[i].Logits.Zip(withPadding[i].Logits), pair => Assert.Equal(pair.First, pair.Second, 4));
            Assert.All(alone[i].JointAttention.Zip(withPadding[i].JointAttention), pair => Assert.Equal(pair.First, pair.Second, 5));
        }
    }

    [Fact]
    public void Classify_ReturnsSortedScores_AndAttentionThatSumsToOne()
    {
        using var recognizer = Load(ActionModels.DefaultModel);
        var sample = ActionDatasets.LoadNwUclaTest(ActionModels.SharedDataRoot())[0];
        var frames = sample.Frames.Select(f => SkeletonLayouts.EvalProjection(f)).ToList();

        var p = recognizer.Classify(frames, topK: 5);

        Assert.Equal(5, p.TopK.Count);
        Assert.True(p.TopK.Zip(p.TopK.Skip(1)).All(x => x.First.Score >= x.Second.Score));
        Assert.InRange(p.TopK.Sum(s => s.Score), 0.0, 1.0001);
        Assert.Equal(1.0, p.FrameAttention.Sum(), 4);
        for (var t = 0; t < recognizer.WindowFrames; t++)
        {
            Assert.Equal(1.0, p.JointAttention.AsSpan(t * recognizer.Joints, recognizer.Joints).ToArray().Sum(), 4);
        }
    }

    [Fact]
    public void SkeletonTracks_FeedsA3DSkeletonFileToTheCoco17Model_AndGroupsByTrack()
    {
        var dir = Fixtures.TempDir();
        try
        {
            var sample = ActionDatasets.LoadNwUclaTest(ActionModels.SharedDataRoot())[0];
            var frames = new JsonArray();
            for (var i = 0; i < sample.Frames.Count; i++)
            {
                var kps = new JsonArray();
                for (var j = 0; j < 20; j++)
                {
                    kps.Add(new JsonArray(sample.Frames[i][j * 3], sample.Frames[i][j * 3 + 1], sample.Frames[i][j * 3 + 2]));
                }

                var persons = new JsonArray { new JsonObject { ["trackId"] = 7, ["keypoints"] = kps } };
                if (i % 2 == 0)
                {
                    persons.Add(new JsonObject { ["trackId"] = 8, ["keypoints"] = kps.DeepClone() });
                }

                frames.Add(new JsonObject { ["index"] = i, ["time"] = i / 30.0, ["persons"] = persons });
            }

            var path = Path.Combine(dir, "kinect.json");
            File.WriteAllText(path, new JsonObject { ["layout"] = "kinect20", ["fps"] = 30.0, ["frames"] = frames }.ToJsonString());

            var tracks = SkeletonTracks.Read(path, SkeletonLayouts.Coco17);

            Assert.Equal(2, tracks.Count);
            Assert.Equal(7, tracks[0].TrackId!.GetValue<int>());
            Assert.Equal(sample.Frames.Count, tracks[0].Frames.Count);
            Assert.Equal((sample.Frames.Count + 1) / 2, tracks[1].Frames.Count);
            Assert.Equal(SkeletonLayouts.EvalProjection(sample.Frames[0]), tracks[0].Frames[0]);
            Assert.Equal(sample.Frames[0], SkeletonTracks.Read(path, SkeletonLayouts.Kinect20)[0].Frames[0]);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
