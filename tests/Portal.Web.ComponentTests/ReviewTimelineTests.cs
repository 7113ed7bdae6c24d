namespace Portal.Web.ComponentTests;

public sealed class ReviewTimelineTests : BunitContext
{
    [Fact]
    public void Timeline_ShowsOneLanePerTrack_AndEachSegmentPlacedByItsTimes()
    {
        var cut = Render<ReviewTimeline>(p => p.Add(x => x.Tracks, ReviewData.Tracks()).Add(x => x.DurationSeconds, 10));

        var lanes = cut.FindAll("[data-testid=timeline-lane]");
        Assert.Equal(["1", "2"], lanes.Select(l => l.GetAttribute("data-track")));
        var segments = cut.FindAll("[data-testid=timeline-segment]");
        Assert.Equal(3, segments.Count);
        var jump = segments.Single(s => s.TextContent.Trim() == "jump");
        Assert.Contains("left: 40%", jump.GetAttribute("style"), StringComparison.Ordinal);
        Assert.Contains("width: 60%", jump.GetAttribute("style"), StringComparison.Ordinal);
        Assert.Equal("4", jump.GetAttribute("data-seek"));
        var wave = segments.Single(s => s.TextContent.Trim() == "wave");
        Assert.Equal("2.5", wave.GetAttribute("data-seek"));
        Assert.Contains("left: 25%", wave.GetAttribute("style"), StringComparison.Ordinal);
        Assert.Single(cut.FindAll("[data-testid=playhead]"));
        Assert.Equal(2, cut.FindAll("canvas[data-testid=frame-importance]").Count);
    }

    [Fact]
    public void Timeline_ColoursSegmentsByLabel_AndMarksCorrectedOnes()
    {
        var cut = Render<ReviewTimeline>(p => p.Add(x => x.Tracks, ReviewData.Tracks()).Add(x => x.DurationSeconds, 10));

        var segments = cut.FindAll("[data-testid=timeline-segment]");
        Assert.Contains($"background: {ReviewFormat.LabelColor("jump")}", segments[1].GetAttribute("style"), StringComparison.Ordinal);
        Assert.NotEqual(ReviewFormat.LabelColor("jump"), ReviewFormat.LabelColor("walk"));
        Assert.Contains("corrected", segments[1].ClassList);
        Assert.DoesNotContain("corrected", segments[0].ClassList);
    }

    [Fact]
    public void ClickingASegment_SelectsItsTrackAndIndex()
    {
        SegmentRef? selected = null;
        var cut = Render<ReviewTimeline>(p => p
            .Add(x => x.Tracks, ReviewData.Tracks())
            .Add(x => x.DurationSeconds, 10)
            .Add(x => x.OnSelect, (SegmentRef s) => selected = s));

        cut.FindAll("[data-testid=timeline-segment]")[1].Click();

        Assert.Equal(new SegmentRef(1, 1), selected);
    }

    [Fact]
    public void SelectedSegment_IsHighlighted()
    {
        var cut = Render<ReviewTimeline>(p => p
            .Add(x => x.Tracks, ReviewData.Tracks())
            .Add(x => x.DurationSeconds, 10)
            .Add(x => x.Selected, new SegmentRef(2, 0)));

        var selected = cut.FindAll("[data-testid=timeline-segment].selected");
        Assert.Equal("wave", Assert.Single(selected).TextContent.Trim());
        Assert.Equal("true", selected[0].GetAttribute("aria-pressed"));
    }

    [Fact]
    public void Zoom_WidensTheStrip_AndTicksGetCloser()
    {
        var whole = Render<ReviewTimeline>(p => p.Add(x => x.Tracks, ReviewData.Tracks()).Add(x => x.DurationSeconds, 3600));
        var zoomed = Render<ReviewTimeline>(p => p.Add(x => x.Tracks, ReviewData.Tracks()).Add(x => x.DurationSeconds, 3600).Add(x => x.Zoom, 8));

        Assert.Contains("width: 100%", whole.Find(".timeline-inner").GetAttribute("style"), StringComparison.Ordinal);
        Assert.Contains("width: 800%", zoomed.Find(".timeline-inner").GetAttribute("style"), StringComparison.Ordinal);
        Assert.True(zoomed.FindAll(".tick").Count > whole.FindAll(".tick").Count * 4);
    }

    [Fact]
    public void SelectingOrZooming_RerendersOnlyTheLanesWhoseSelectionChanged()
    {
        // A one-hour video has 155 lanes: a click must not re-render them all (issue 16).
        var tracks = ReviewData.Tracks();
        var cut = Render<ReviewTimeline>(p => p.Add(x => x.Tracks, tracks).Add(x => x.DurationSeconds, 10));
        var lanes = cut.FindComponents<TimelineLane>();
        int[] Counts() => lanes.Select(l => l.RenderCount).ToArray();
        Assert.Equal([1, 1], Counts());

        cut.Render(p => p.Add(x => x.Selected, new SegmentRef(2, 0)));
        Assert.Equal([1, 2], Counts());
        Assert.Equal("wave", cut.Find("[data-testid=timeline-segment].selected").TextContent.Trim());

        cut.Render(p => p.Add(x => x.Zoom, 4));
        Assert.Equal([1, 2], Counts());

        cut.Render(p => p.Add(x => x.Selected, new SegmentRef(1, 1)));
        Assert.Equal([2, 3], Counts());
        Assert.Equal("jump", cut.Find("[data-testid=timeline-segment].selected").TextContent.Trim());

        // A reload after a correction brings new track objects: every lane shows them.
        cut.Render(p => p.Add(x => x.Tracks, ReviewData.Tracks()));
        Assert.Equal([3, 4], Counts());
    }
}
