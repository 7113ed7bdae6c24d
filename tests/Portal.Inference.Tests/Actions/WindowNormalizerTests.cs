using Portal.Inference.Actions;

namespace Portal.Inference.Tests.Actions;

public class WindowNormalizerTests
{
    [Fact]
    public void Normalize_MatchesThePythonSpec_OnTheSharedFixture()
    {
        using var doc = ActionFixtures.Read("normalization.json");
        var cases = doc.RootElement.GetProperty("cases").EnumerateArray().ToList();
        Assert.True(cases.Count >= 6, "the fixture should hold every kinect20 and coco17 case");
        foreach (var c in cases)
        {
            var layout = c.GetProperty("layout").GetString()!;
            var raw = ActionFixtures.Frames(c.GetProperty("raw"));
            var expected = ActionFixtures.Frames(c.GetProperty("expected"));
            var actual = WindowNormalizer.Normalize(raw, layout);
            Assert.Equal(expected.Count, actual.Length);
            var maxDiff = expected.Zip(actual).Max(p => p.First.Zip(p.Second).Max(q => Math.Abs(q.First - q.Second)));
            Assert.True(maxDiff < 1e-7, $"{c.GetProperty("name").GetString()}: max |diff| {maxDiff}");
        }
    }

    [Fact]
    public void ResampleIndices_MatchThePythonSpec()
    {
        using var doc = ActionFixtures.Read("normalization.json");
        foreach (var r in doc.RootElement.GetProperty("resample").EnumerateArray())
        {
            var expected = r.GetProperty("indices").EnumerateArray().Select(x => x.GetInt32()).ToArray();
            Assert.Equal(expected, WindowNormalizer.ResampleIndices(r.GetProperty("frames").GetInt32(), r.GetProperty("window").GetInt32()));
        }
    }

    [Fact]
    public void EvalProjection_MatchesThePythonKinectToCocoProjection()
    {
        using var doc = ActionFixtures.Read("normalization.json");
        var p = doc.RootElement.GetProperty("projection");
        var joints = ActionFixtures.Frames(p.GetProperty("joints"));
        var expected = ActionFixtures.Frames(p.GetProperty("expected"));
        for (var t = 0; t < joints.Count; t++)
        {
            var actual = SkeletonLayouts.EvalProjection(joints[t]);
            for (var i = 0; i < actual.Length; i++)
            {
                Assert.True(Math.Abs(actual[i] - expected[t][i]) < 1e-6, $"frame {t} value {i}: {actual[i]} vs {expected[t][i]}");
            }
        }
    }

    [Fact]
    public void Coco17_IsInvariantToWhereThePersonStandsInTheImage_AndZeroesUnseenKeypoints()
    {
        using var doc = ActionFixtures.Read("normalization.json");
        var raw = ActionFixtures.Frames(doc.RootElement.GetProperty("cases")[2].GetProperty("raw"));
        var moved = raw.Select(f => f.Select((x, i) => i % 3 == 2 ? x : x * 2.0 + 100.0).ToArray()).ToList();
        moved[0][9 * 3 + 2] = 0.0;
        var a = WindowNormalizer.NormalizeCoco17(raw);
        var b = WindowNormalizer.NormalizeCoco17(moved);
        Assert.Equal(0.0, b[0][9 * 3]);
        Assert.Equal(0.0, b[0][9 * 3 + 1]);
        Assert.True(Math.Abs(a[1][10 * 3] - b[1][10 * 3]) < 1e-9);
    }
}
