using Microsoft.Extensions.Options;
using Portal.Data.Media;
using Portal.TestSupport;

namespace Portal.UnitTests;

/// <summary>The media store on a real temporary directory.</summary>
public sealed class LocalMediaStoreTests
{
    [Fact]
    public async Task Move_GivesAFileANewKey_InAFolderItMakes_ReplacingWhatWasThere()
    {
        using var root = new TempDirectory();
        var store = new LocalMediaStore(Options.Create(new MediaOptions { Root = root.Path }));
        await WriteAsync(store, "uploads/a/data", "the upload");
        await WriteAsync(store, "videos/v/source", "an older file");

        store.Move("uploads/a/data", "videos/v/source");
        store.Move("videos/v/source", "videos/w/source");

        Assert.False(store.Exists("uploads/a/data"));
        Assert.False(store.Exists("videos/v/source"));
        using var reader = new StreamReader(store.OpenRead("videos/w/source"));
        Assert.Equal("the upload", await reader.ReadToEndAsync());
    }

    [Fact]
    public void Keys_ThatLeadOutOfTheRoot_AreRefused()
    {
        using var root = new TempDirectory();
        var store = new LocalMediaStore(Options.Create(new MediaOptions { Root = root.Path }));

        Assert.Throws<ArgumentException>(() => store.Move("../outside", "videos/v/source"));
        Assert.Throws<ArgumentException>(() => store.GetLocalPath("videos/../../outside"));
    }

    private static async Task WriteAsync(IMediaStore store, string key, string text)
    {
        await using var stream = store.OpenWrite(key);
        await using var writer = new StreamWriter(stream);
        await writer.WriteAsync(text);
    }
}
