using System.Text.Json;
using System.Text.Json.Nodes;
using Portal.Evaluation.Actions;
using Portal.Inference.Actions;
using Portal.Inference.ModelCards;
using Portal.Inference.Onnx;
using Portal.TestSupport;

namespace Portal.Evaluation.Tests;

/// <summary>The committed action models on the 3D datasets' test splits, read from ../shared/data by ActionDatasets.</summary>
public class ActionEvaluationTests
{
    private static readonly OnnxSessionFactory Sessions = new(new InferenceOptions { IntraOpThreads = 1 });

    private static ActionRecognizer Load(string name) => ActionRecognizer.Load(ActionFixtures.Card(name), Sessions);

    [Theory]
    [MemberData(nameof(ActionFixtures.PublishedModels), MemberType = typeof(ActionFixtures))]
    public void Evaluate_AgreesWithThePythonEvaluation_SampleBySample(string name)
    {
        using var recognizer = Load(name);
        using var doc = ActionFixtures.Read(name + ".predictions.json");
        var python = doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        var datasets = python.Keys.Select(k => k[..k.IndexOf('/', StringComparison.Ordinal)]).Distinct().ToList();

        foreach (var dataset in datasets)
        {
            var samples = ActionDatasets.LoadTestSplit(dataset, TestPaths.SharedData);
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
    public void Run_GivesEachWindowTheSameResult_WhenTheBatchIsPaddedWithZeroWindows()
    {
        // The pipeline pads a track's last batch to the full batch size (one input shape for ONNX Runtime).
        using var recognizer = Load(ModelCatalog.DefaultActionModel);
        var samples = ActionDatasets.LoadNwUclaTest(TestPaths.SharedData).Take(3).ToList();
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
        using var recognizer = Load(ModelCatalog.DefaultActionModel);
        var sample = ActionDatasets.LoadNwUclaTest(TestPaths.SharedData)[0];
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
        using var temp = new TempDirectory();
        var sample = ActionDatasets.LoadNwUclaTest(TestPaths.SharedData)[0];
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

        var path = temp.File("kinect.json");
        File.WriteAllText(path, new JsonObject { ["layout"] = "kinect20", ["fps"] = 30.0, ["frames"] = frames }.ToJsonString());

        var tracks = SkeletonTracks.Read(path, SkeletonLayouts.Coco17);

        Assert.Equal(2, tracks.Count);
        Assert.Equal(7, tracks[0].TrackId!.GetValue<int>());
        Assert.Equal(sample.Frames.Count, tracks[0].Frames.Count);
        Assert.Equal((sample.Frames.Count + 1) / 2, tracks[1].Frames.Count);
        Assert.Equal(SkeletonLayouts.EvalProjection(sample.Frames[0]), tracks[0].Frames[0]);
        Assert.Equal(sample.Frames[0], SkeletonTracks.Read(path, SkeletonLayouts.Kinect20)[0].Frames[0]);
    }
}
