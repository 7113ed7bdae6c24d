using Portal.Inference.Timeline;

namespace Portal.Inference.Tests.Timeline;

public class SegmentBuilderTests
{
    private static readonly string[] Labels = ["walk", "sit down", "wave"];

    /// <summary>Windows of 2 s every 1 s; each given as (best label index, its probability).</summary>
    private static List<WindowPrediction> Windows(params (int Label, float P)[] best) =>
        best.Select((b, i) =>
        {
            var p = new float[Labels.Length];
            for (var k = 0; k < p.Length; k++)
            {
                p[k] = (1 - b.P) / (p.Length - 1);
            }

            p[b.Label] = b.P;
            return new WindowPrediction(i, i + 2, p);
        }).ToList();

    private static IReadOnlyList<Segment> Build(List<WindowPrediction> windows, SegmentOptions? options = null) =>
        new SegmentBuilder(Labels, options ?? new SegmentOptions()).Build(windows);

    [Fact]
    public void SameLabel_MergesIntoOneSegment_SpanningAllWindows()
    {
        var segments = Build(Windows((0, 0.9f), (0, 0.8f), (0, 0.7f)));

        var segment = Assert.Single(segments);
        Assert.Equal(("walk", 0.0, 4.0), (segment.Label, segment.StartSeconds, segment.EndSeconds));
        Assert.Equal(0.8f, segment.Confidence, 3);
        Assert.Equal("walk", segment.TopK[0].Label);
        Assert.Equal(3, segment.WindowCount);
    }

    [Fact]
    public void OneStrayWindow_DoesNotSplitASegment()
    {
        var segments = Build(Windows((0, 0.9f), (0, 0.9f), (2, 0.6f), (0, 0.9f), (0, 0.9f)));

        Assert.Equal("walk", Assert.Single(segments).Label);
    }

    [Fact]
    public void APersistentChange_StartsANewSegment_AtTheMiddleOfTheOverlap()
    {
        var segments = Build(Windows((0, 0.9f), (0, 0.9f), (1, 0.7f), (1, 0.7f), (1, 0.7f)));

        Assert.Equal(["walk", "sit down"], segments.Select(s => s.Label));
        // Window 1 spans 1..3 and window 2 spans 2..4: the boundary is at 2.5 s; segments tile the time.
        Assert.Equal(2.5, segments[0].EndSeconds);
        Assert.Equal(2.5, segments[1].StartSeconds);
        Assert.Equal(6.0, segments[1].EndSeconds);
    }

    [Fact]
    public void AVerySureWindow_SwitchesAtOnce()
    {
        var segments = Build(Windows((0, 0.9f), (0, 0.9f), (2, 0.95f)));

        Assert.Equal(["walk", "wave"], segments.Select(s => s.Label));
    }

    [Fact]
    public void LowConfidenceWindows_AreUncertain()
    {
        var segments = Build(Windows((0, 0.35f), (1, 0.36f), (0, 0.34f)));

        var segment = Assert.Single(segments);
        Assert.Equal(SegmentBuilder.Uncertain, segment.Label);
        Assert.True(segment.Confidence < 0.4f);
    }

    [Fact]
    public void NoWindows_NoSegments() => Assert.Empty(Build([]));

    [Fact]
    public void ProbabilitiesOfTheWrongLength_AreRefused() =>
        Assert.Throws<ArgumentException>(() => Build([new WindowPrediction(0, 1, [1f])]));
}
