using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Portal.Data.Entities;
using Portal.Web.Components.Library;

namespace Portal.Web.ComponentTests;

public sealed class VideoActionsTests : BunitContext
{
    private static readonly string[] Models = ["actions-coco2d", "actions-msr-3d"];
    private int _deletes;
    private readonly List<string> _reprocessed = [];

    public VideoActionsTests()
    {
        // Focus moves through JS interop; these tests check the markup and events, not the browser's focus.
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    [Fact]
    public void Delete_AsksFirst_AndDeletesOnlyOnConfirmation()
    {
        var cut = RenderFor(Video(VideoStatus.Succeeded));

        cut.Find("[data-testid=video-delete]").Click();

        Assert.Equal(0, _deletes);
        var confirmation = cut.Find("[data-testid=video-delete-confirmation]");
        Assert.Equal("alertdialog", confirmation.GetAttribute("role"));
        Assert.Contains("Delete “clip.mp4”?", confirmation.TextContent, StringComparison.Ordinal);
        Assert.Contains("cannot be undone", confirmation.TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=video-delete]"));

        cut.Find("[data-testid=video-delete-confirm]").Click();

        Assert.Equal(1, _deletes);
        Assert.Empty(cut.FindAll("[data-testid=video-delete-confirmation]"));
    }

    [Fact]
    public void Delete_CanBeCalledOff_WithTheButtonOrEscape()
    {
        var cut = RenderFor(Video(VideoStatus.Succeeded));

        cut.Find("[data-testid=video-delete]").Click();
        cut.Find("[data-testid=video-delete-cancel]").Click();
        cut.Find("[data-testid=video-delete]").Click();
        cut.Find("[data-testid=video-delete-confirmation]").KeyDown(new KeyboardEventArgs { Key = "Escape" });

        Assert.Equal(0, _deletes);
        Assert.Single(cut.FindAll("[data-testid=video-delete]"));
    }

    [Fact]
    public void AskingToDelete_PutsTheKeyboardFocusOnKeepingTheVideo()
    {
        var cut = RenderFor(Video(VideoStatus.Succeeded));

        cut.Find("[data-testid=video-delete]").Click();

        var focused = (ElementReference)JSInterop.VerifyFocusAsyncInvoke().Arguments[0]!;
        Assert.Equal(cut.Find("[data-testid=video-delete-cancel]").GetAttribute("blazor:elementReference"), focused.Id);
    }

    [Fact]
    public void DeletingAVideoBeingProcessed_SaysItsProcessingStops()
    {
        var cut = RenderFor(Video(VideoStatus.Processing));

        cut.Find("[data-testid=video-delete]").Click();

        Assert.Contains("processing is stopped", cut.Find("[data-testid=video-delete-confirmation]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Reprocess_OffersTheInstalledModels_AndSendsTheChosenOne()
    {
        var cut = RenderFor(Video(VideoStatus.Failed));

        Assert.Equal(Models, cut.FindAll("[data-testid=video-reprocess-model] option").Select(o => o.GetAttribute("value")));
        Assert.Equal("actions-coco2d", cut.Find("[data-testid=video-reprocess-model]").GetAttribute("value"));
        cut.Find("[data-testid=video-reprocess-model]").Change("actions-msr-3d");
        cut.Find("[data-testid=video-reprocess]").Click();

        Assert.Equal(["actions-msr-3d"], _reprocessed);
    }

    [Fact]
    public void Reprocess_IsNotOffered_WhileProcessing_OrForAFileThatWasNeverRead()
    {
        Assert.Empty(RenderFor(Video(VideoStatus.Processing)).FindAll("[data-testid=video-reprocess]"));
        Assert.Empty(RenderFor(Video(VideoStatus.Failed) with { Width = null }).FindAll("[data-testid=video-reprocess]"));
    }

    private static VideoDto Video(VideoStatus status) => new(
        Guid.NewGuid(), "clip.mp4", status, "actions", 1, null, 5, 25, 320, 240, "h264", 0, 125, 1000, new string('0', 64),
        DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, null, Guid.NewGuid());

    private IRenderedComponent<VideoActions> RenderFor(VideoDto video) =>
        Render<VideoActions>(p => p
            .Add(x => x.Video, video)
            .Add(x => x.Models, Models)
            .Add(x => x.DefaultModel, "actions-coco2d")
            .Add(x => x.OnDelete, () => _deletes++)
            .Add(x => x.OnReprocess, (string m) => _reprocessed.Add(m)));
}
