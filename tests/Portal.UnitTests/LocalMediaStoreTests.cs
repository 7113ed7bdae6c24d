using Microsoft.Extensions.Options;
using Portal.Data.Media;
using Portal.TestSupport;

namespace Portal.UnitTests;

/// <summary>What only the local store does (the contract of every store: <see cref="MediaStoreContract"/>).</summary>
public sealed class LocalMediaStoreTests
{
    [Fact]
    public void Keys_ThatLeadOutOfTheRoot_AreRefused()
    {
        using var root = new TempDirectory();
        var store = new LocalMediaStore(Options.Create(new MediaOptions { Root = root.Path }));

        Assert.Throws<ArgumentException>(() => store.Move("../outside", "videos/v/source"));
        Assert.Throws<ArgumentException>(() => store.Exists("videos/../../outside"));
    }
}
