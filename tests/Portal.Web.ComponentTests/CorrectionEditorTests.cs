namespace Portal.Web.ComponentTests;

public sealed class CorrectionEditorTests : BunitContext
{
    private readonly List<CorrectionRequest> _requests = [];

    [Fact]
    public void WithoutASelection_OnlyAddingIsOffered()
    {
        var cut = Render<CorrectionEditor>(p => p.Add(x => x.TrackIds, [1, 2]).Add(x => x.OnCorrect, (CorrectionRequest r) => _requests.Add(r)));

        Assert.Empty(cut.FindAll("[data-testid=segment-label-edit]"));
        Assert.Contains("Select a segment", cut.Markup, StringComparison.Ordinal);
        Assert.Single(cut.FindAll("[data-testid=segment-add]"));
    }

    [Fact]
    public void Relabel_SendsTheTypedLabel_ForTheSelectedSegment()
    {
        var cut = RenderFor(ReviewData.Jump, track: 1);
        var input = cut.Find("[data-testid=segment-label-edit]");
        Assert.Equal("jump", input.GetAttribute("value"));

        input.Input("  dunk ");
        cut.Find("[data-testid=segment-relabel]").Click();

        Assert.Equal(new CorrectionRequest("relabel", 1, 1, Label: "dunk"), Assert.Single(_requests));
    }

    [Fact]
    public void Split_DefaultsToTheMiddle_AndTakesTheTypedTime()
    {
        var cut = RenderFor(ReviewData.Jump, track: 1);
        Assert.Equal("7", cut.Find("[data-testid=segment-split-at]").GetAttribute("value"));

        cut.Find("[data-testid=segment-split-at]").Change("5.25");
        cut.Find("[data-testid=segment-split]").Click();

        Assert.Equal(new CorrectionRequest("split", 1, 1, AtSeconds: 5.25), Assert.Single(_requests));
    }

    [Fact]
    public void Split_AtThePlayhead_ReadsThePlayer()
    {
        var cut = RenderFor(ReviewData.Jump, track: 1, playhead: 8.1234);

        cut.Find(".correction-editor button.secondary").Click();
        cut.Find("[data-testid=segment-split]").Click();

        Assert.Equal(8.123, Assert.Single(_requests).AtSeconds);
    }

    [Fact]
    public void MergeAndDelete_SendTheSelectedSegment_MergeOnlyWhenThereIsANext()
    {
        var last = RenderFor(ReviewData.Jump, track: 1, hasNext: false);
        Assert.True(last.Find("[data-testid=segment-merge]").HasAttribute("disabled"));
        last.Find("[data-testid=segment-delete]").Click();

        var first = RenderFor(ReviewData.Walk, track: 1, hasNext: true);
        first.Find("[data-testid=segment-merge]").Click();

        Assert.Equal([new CorrectionRequest("delete", 1, 1), new CorrectionRequest("merge", 1, 0)], _requests);
    }

    [Fact]
    public void Add_SendsTrackTimesAndLabel()
    {
        var cut = RenderFor(ReviewData.Walk, track: 1);

        cut.Find("[data-testid=segment-add-track]").Change("2");
        cut.Find("[data-testid=segment-add-start]").Change("5");
        cut.Find("[data-testid=segment-add-end]").Change("6.5");
        cut.Find("[data-testid=segment-add-label]").Change("clap");
        cut.Find("[data-testid=segment-add]").Click();

        Assert.Equal(new CorrectionRequest("add", 2, Label: "clap", StartSeconds: 5, EndSeconds: 6.5), Assert.Single(_requests));
    }

    [Fact]
    public void LabelSuggestions_AreOffered()
    {
        var cut = RenderFor(ReviewData.Walk, track: 1);

        Assert.Equal(["jump", "run", "walk"], cut.FindAll("#label-suggestions option").Select(o => o.GetAttribute("value")));
    }

    private IRenderedComponent<CorrectionEditor> RenderFor(SegmentDto segment, int track, bool hasNext = true, double? playhead = null) =>
        Render<CorrectionEditor>(p =>
        {
            p.Add(x => x.Segment, segment)
                .Add(x => x.TrackId, track)
                .Add(x => x.HasNext, hasNext)
                .Add(x => x.TrackIds, [1, 2])
                .Add(x => x.Suggestions, ["jump", "run", "walk"])
                .Add(x => x.OnCorrect, (CorrectionRequest r) => _requests.Add(r));
            if (playhead is { } t)
            {
                p.Add(x => x.GetPlayhead, () => Task.FromResult(t));
            }
        });
}
