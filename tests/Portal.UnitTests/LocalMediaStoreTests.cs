using Microsoft.Extensions.Options;
using Portal.Data.Media;

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

/// <summary>What only the S3 store does (its contract: <see cref="S3MediaStoreContractTests"/>).</summary>
public sealed class S3MediaStoreTests(S3ServerFixture s3) : IClassFixture<S3ServerFixture>
{
    [Fact]
    public async Task AFileLargerThanAPart_IsUploadedInParts_InOrder_AndReadsBackWhole()
    {
        using var root = new TempDirectory();
        using var store = await s3.NewBucketAsync(root.Path, partSizeBytes: 5L << 20);
        var bytes = new byte[(11 << 20) + 123];
        new Random(13).NextBytes(bytes);

        await using (var stream = store.OpenWrite("videos/v/source"))
        {
            await stream.WriteAsync(bytes);
        }

        await using var read = store.OpenRead("videos/v/source");
        using var copy = new MemoryStream();
        await read.CopyToAsync(copy);
        Assert.Equal(bytes, copy.ToArray());
    }
}
