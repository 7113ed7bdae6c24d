using Portal.Web.Videos;

namespace Portal.UnitTests;

public sealed class SegmentEditsTests
{
    private static readonly IReadOnlyList<SegmentDto> Track =
    [
        new(0, 0, 4, "walk", 0.8f, [new("walk", 0.8f)], 1, "/k/1/0.png"),
        new(1, 4, 10, "run", 0.6f, [new("run", 0.6f)], 7, "/k/1/1.png"),
    ];

    [Fact]
    public void Relabel_KeepsTheModelsLabel_EvenAfterASecondRelabel()
    {
        var once = SegmentEdits.Relabel(Track, 1, "jog");
        var twice = SegmentEdits.Relabel(once, 1, "sprint");

        Assert.Equal("sprint", twice[1].Label);
        Assert.True(twice[1].Corrected);
        Assert.Equal("run", twice[1].ModelLabel);
        Assert.False(twice[0].Corrected);
    }

    [Fact]
    public void Split_MakesTwoTouchingSegments_AndTheKeyframeStaysWithItsHalf()
    {
        var split = SegmentEdits.Split(Track, 1, 6);

        Assert.Equal([(0.0, 4.0), (4.0, 6.0), (6.0, 10.0)], split.Select(s => (s.StartSeconds, s.EndSeconds)));
        Assert.Equal([0, 1, 2], split.Select(s => s.Index));
        Assert.Null(split[1].KeyframeUrl);
        Assert.Equal("/k/1/1.png", split[2].KeyframeUrl);
        Assert.All(split.Skip(1), s => Assert.Equal("run", s.Label));
    }

    [Theory]
    [InlineData(4)]
    [InlineData(10)]
    [InlineData(12)]
    public void Split_OutsideTheSegment_IsRefused(double at) =>
        Assert.Throws<CorrectionException>(() => SegmentEdits.Split(Track, 1, at));

    [Fact]
    public void Merge_JoinsWithTheNext_KeepingTheFirstLabel()
    {
        var merged = Assert.Single(SegmentEdits.Merge(Track, 0));

        Assert.Equal((0.0, 10.0, "walk"), (merged.StartSeconds, merged.EndSeconds, merged.Label));
        Assert.Throws<CorrectionException>(() => SegmentEdits.Merge(Track, 1));
    }

    [Fact]
    public void DeleteThenAdd_FillsTheGap_AndRenumbersByStart()
    {
        var deleted = SegmentEdits.Delete(Track, 0);
        var added = SegmentEdits.Add(deleted, 1, 3, "wave");

        Assert.Equal([("wave", 0), ("run", 1)], added.Select(s => (s.Label, s.Index)));
        Assert.Equal(1, added[0].Confidence);
        Assert.Null(added[0].ModelLabel);
        Assert.Throws<CorrectionException>(() => SegmentEdits.Add(added, 2, 5, "x"));
        Assert.Equal(3, SegmentEdits.Add(added, 3, 4, "x").Count);
    }

    [Theory]
    [InlineData("relabel", 5, "x")]
    [InlineData("relabel", 0, " ")]
    [InlineData("rename", 0, "x")]
    [InlineData("delete", -1, null)]
    public void Apply_RefusesRequestsThatDoNotFit(string kind, int segment, string? label) =>
        Assert.Throws<CorrectionException>(() => SegmentEdits.Apply(Track, new CorrectionRequest(kind, 1, segment, label)));
}
