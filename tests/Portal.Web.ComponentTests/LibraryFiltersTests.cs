using Microsoft.AspNetCore.Components;
using Portal.Data.Entities;
using Portal.Web.Components.Library;

namespace Portal.Web.ComponentTests;

public sealed class LibraryFiltersTests : BunitContext
{
    private readonly List<LibraryFilter> _changes = [];

    public LibraryFiltersTests()
    {
        // As in the browser once the circuit is up; the form says so for tests and scripts.
        Renderer.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    [Fact]
    public void Filters_ShowTheCurrentFilter_AndOfferEveryStatusAndLabel()
    {
        var cut = RenderWith(new LibraryFilter(VideoStatus.Failed, "jump", "clip"));

        Assert.Equal("Failed", cut.Find("[data-testid=library-filter-status]").GetAttribute("value"));
        Assert.Equal(["", "Queued", "Processing", "Succeeded", "Failed", "Canceled"],
            cut.FindAll("[data-testid=library-filter-status] option").Select(o => o.GetAttribute("value")));
        Assert.Equal("jump", cut.Find("[data-testid=library-filter-label]").GetAttribute("value"));
        Assert.Equal(["", "jump", "walk"], cut.FindAll("[data-testid=library-filter-label] option").Select(o => o.GetAttribute("value")));
        Assert.Equal("clip", cut.Find("[data-testid=library-search]").GetAttribute("value"));
        Assert.Single(cut.FindAll("[data-testid=library-clear]"));
        Assert.Equal("true", cut.Find("[data-testid=library-filters]").GetAttribute("data-interactive"));
    }

    [Fact]
    public void ChoosingAStatusOrALabel_AppliesAtOnce_KeepingTheOtherFilters()
    {
        var cut = RenderWith(new LibraryFilter(Label: "walk"));

        cut.Find("[data-testid=library-filter-status]").Change("Succeeded");
        cut.Find("[data-testid=library-filter-label]").Change("");

        Assert.Equal([new LibraryFilter(VideoStatus.Succeeded, "walk"), new LibraryFilter()], _changes);
    }

    [Fact]
    public void Search_AppliesOnSubmit_Trimmed()
    {
        var cut = RenderWith(LibraryFilter.None);

        cut.Find("[data-testid=library-search]").Input("  arch ");
        Assert.Empty(_changes);
        cut.Find("form").Submit();

        Assert.Equal(new LibraryFilter(Search: "arch"), Assert.Single(_changes));
        Assert.Empty(cut.FindAll("[data-testid=library-clear]"));
    }

    [Fact]
    public void TypedSearch_SurvivesTheLiveListsReRenders()
    {
        var cut = RenderWith(LibraryFilter.None);
        cut.Find("[data-testid=library-search]").Input("half-typ");

        cut.Render(p => p.Add(x => x.Filter, LibraryFilter.None).Add(x => x.Labels, ["jump", "walk"]));

        Assert.Equal("half-typ", cut.Find("[data-testid=library-search]").GetAttribute("value"));
    }

    [Fact]
    public void ALabelFromTheAddress_StaysSelectable_WhenNoVideoHasItAnyMore()
    {
        var cut = RenderWith(new LibraryFilter(Label: "cartwheel"));

        Assert.Equal(["", "cartwheel", "jump", "walk"], cut.FindAll("[data-testid=library-filter-label] option").Select(o => o.GetAttribute("value")));
    }

    [Fact]
    public void Clear_RemovesEveryFilter()
    {
        var cut = RenderWith(new LibraryFilter(VideoStatus.Queued, "jump", "clip"));

        cut.Find("[data-testid=library-clear]").Click();

        Assert.Equal(LibraryFilter.None, Assert.Single(_changes));
    }

    private IRenderedComponent<LibraryFilters> RenderWith(LibraryFilter filter) =>
        Render<LibraryFilters>(p => p
            .Add(x => x.Filter, filter)
            .Add(x => x.Labels, ["jump", "walk"])
            .Add(x => x.OnChange, (LibraryFilter f) => _changes.Add(f)));
}
