namespace Portal.Web.ComponentTests;

public sealed class SegmentListTests : BunitContext
{
    [Fact]
    public void List_ShowsEverySegmentByStart_WithKeyframeConfidenceAndTopK()
    {
        var cut = Render<SegmentList>(p => p.Add(x => x.Tracks, ReviewData.Tracks()));

        var items = cut.FindAll("[data-testid=segment-item]");
        Assert.Equal(["walk", "wave", "jump"], items.Select(i => i.QuerySelector("[data-testid=segment-label]")!.TextContent));
        Assert.Equal("/api/videos/v/keyframes/1/0.png", items[0].QuerySelector("img[data-testid=segment-keyframe]")!.GetAttribute("src"));
        Assert.Null(items[1].QuerySelector("img"));
        Assert.Contains("81", items[0].QuerySelector("[data-testid=segment-confidence]")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("run 10", items[0].QuerySelector("[data-testid=segment-topk]")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("Person 2", items[1].TextContent, StringComparison.Ordinal);
        Assert.Contains("0:02.5–0:05.0", items[1].TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Keyframe_IsLazy_WithLoadingBeforeSrc()
    {
        // The interactive render creates the image attribute by attribute in this order; with src first, Chromium starts
        // the download before it learns the image is lazy (a one-hour video's page fetched all 413 keyframes, 80 MB).
        var cut = Render<SegmentList>(p => p.Add(x => x.Tracks, ReviewData.Tracks()));

        var names = cut.Find("img[data-testid=segment-keyframe]").Attributes.Select(a => a.Name).ToList();
        Assert.Equal("lazy", cut.Find("img[data-testid=segment-keyframe]").GetAttribute("loading"));
        Assert.True(names.IndexOf("loading") < names.IndexOf("src"), $"attributes in this order: {string.Join(", ", names)}");
    }

    [Fact]
    public void CorrectedSegment_SaysWhatTheModelHadSaid()
    {
        var cut = Render<SegmentList>(p => p.Add(x => x.Tracks, ReviewData.Tracks()));

        var corrected = Assert.Single(cut.FindAll("[data-testid=segment-corrected]"));
        Assert.Equal("corrected (model: run)", corrected.TextContent);
    }

    [Fact]
    public void ClickingAnItem_SelectsIt_AndCarriesItsStartForSeeking()
    {
        SegmentRef? selected = null;
        var cut = Render<SegmentList>(p => p.Add(x => x.Tracks, ReviewData.Tracks()).Add(x => x.OnSelect, (SegmentRef s) => selected = s));

        var open = cut.FindAll("[data-testid=segment-item] button")[2];
        open.Click();

        Assert.Equal(new SegmentRef(1, 1), selected);
        Assert.Equal("4", open.GetAttribute("data-seek"));
    }

    [Fact]
    public void Selecting_RerendersOnlyTheItemsWhoseSelectionChanged()
    {
        var cut = Render<SegmentList>(p => p.Add(x => x.Tracks, ReviewData.Tracks()));
        var items = cut.FindComponents<SegmentItem>();
        int[] Counts() => items.Select(i => i.RenderCount).ToArray();

        cut.Render(p => p.Add(x => x.Selected, new SegmentRef(1, 1)));
        Assert.Equal([1, 1, 2], Counts());
        cut.Render(p => p.Add(x => x.Selected, new SegmentRef(2, 0)));
        Assert.Equal([1, 2, 3], Counts());
        Assert.Equal("wave", cut.Find("[data-testid=segment-item].selected [data-testid=segment-label]").TextContent);
        Assert.Equal(["walk", "wave", "jump"], cut.FindAll("[data-testid=segment-label]").Select(l => l.TextContent));
    }

    [Fact]
    public void ALongList_ShowsAPageAtATime()
    {
        var cut = Render<SegmentList>(p => p.Add(x => x.Tracks, ReviewData.Tracks()).Add(x => x.PageSize, 2));

        Assert.Equal(["walk", "wave"], cut.FindAll("[data-testid=segment-label]").Select(l => l.TextContent));
        var more = cut.Find("[data-testid=segment-list-more]");
        Assert.Equal("Show 1 more (1 not shown)", more.TextContent.Trim());

        more.Click();

        Assert.Equal(["walk", "wave", "jump"], cut.FindAll("[data-testid=segment-label]").Select(l => l.TextContent));
        Assert.Empty(cut.FindAll("[data-testid=segment-list-more]"));
    }
}
