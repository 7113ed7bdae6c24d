using Microsoft.Extensions.Options;
using Portal.Data.Media;

namespace Portal.UnitTests;

/// <summary>
/// What every <see cref="IMediaStore"/> must do, whatever holds the files. Each store gets a subclass that makes a fresh,
/// empty store (<see cref="LocalMediaStoreContractTests"/>; an object-storage one adds its own next to it).
/// </summary>
public abstract class MediaStoreContract : IAsyncLifetime
{
    protected IMediaStore Store { get; private set; } = null!;

    /// <summary>A new, empty store for one test.</summary>
    protected abstract Task<IMediaStore> CreateStoreAsync();

    /// <summary>Removes what <see cref="CreateStoreAsync"/> made.</summary>
    protected abstract Task DeleteStoreAsync();

    public async Task InitializeAsync() => Store = await CreateStoreAsync();

    public Task DisposeAsync() => DeleteStoreAsync();

    [Fact]
    public async Task Write_ThenRead_GivesTheBytesBack()
    {
        await WriteAsync("videos/v/source", "the upload");

        Assert.True(Store.Exists("videos/v/source"));
        Assert.Equal("the upload", await ReadAsync("videos/v/source"));
    }

    [Fact]
    public async Task Write_ReplacesAnOlderFile()
    {
        await WriteAsync("videos/v/source", "an older, longer file");
        await WriteAsync("videos/v/source", "new");

        Assert.Equal("new", await ReadAsync("videos/v/source"));
    }

    [Fact]
    public async Task Read_CanServeAnyRange()
    {
        await WriteAsync("videos/v/proxy.mp4", "0123456789");

        await using var stream = Store.OpenRead("videos/v/proxy.mp4");
        Assert.True(stream.CanSeek);
        Assert.Equal(10, stream.Length);
        stream.Seek(6, SeekOrigin.Begin);
        var tail = new byte[4];
        await stream.ReadExactlyAsync(tail);
        stream.Seek(2, SeekOrigin.Begin);
        var middle = new byte[3];
        await stream.ReadExactlyAsync(middle);

        Assert.Equal("6789", System.Text.Encoding.UTF8.GetString(tail));
        Assert.Equal("234", System.Text.Encoding.UTF8.GetString(middle));
    }

    [Fact]
    public async Task Read_OfAMissingKey_ThrowsFileNotFound()
    {
        await Assert.ThrowsAnyAsync<FileNotFoundException>(async () => await ReadAsync("videos/v/none"));
        Assert.False(Store.Exists("videos/v/none"));
        Assert.Null(Store.Find("videos/v/none"));
    }

    [Fact]
    public async Task Append_CreatesTheFile_ThenAddsAtTheEnd()
    {
        await AppendAsync("uploads/u/data", "first ");
        await AppendAsync("uploads/u/data", "second");

        Assert.Equal("first second", await ReadAsync("uploads/u/data"));
    }

    [Fact]
    public async Task Truncate_CutsOffWhatCameAfter()
    {
        await AppendAsync("uploads/u/data", "kept");
        await AppendAsync("uploads/u/data", " rejected chunk");

        Store.Truncate("uploads/u/data", 4);
        await AppendAsync("uploads/u/data", "+more");

        Assert.Equal("kept+more", await ReadAsync("uploads/u/data"));
    }

    [Fact]
    public async Task Find_GivesLengthAndARecentLastWrite()
    {
        var before = DateTimeOffset.UtcNow.AddSeconds(-5);
        await WriteAsync("videos/v/source", "12345");

        var file = Store.Find("videos/v/source");

        Assert.NotNull(file);
        Assert.Equal("videos/v/source", file.Key);
        Assert.Equal(5, file.Length);
        Assert.InRange(file.LastWriteTime, before, DateTimeOffset.UtcNow.AddSeconds(5));
    }

    [Fact]
    public async Task List_GivesEveryFileUnderTheFolder_AtAnyDepth_AndNothingBeside()
    {
        await WriteAsync("uploads/a/data", "12");
        await WriteAsync("uploads/a/info.json", "{}");
        await WriteAsync("uploads/b/deeper/part", "1");
        await WriteAsync("uploadsX/c/data", "not in the folder");
        await WriteAsync("videos/v/source", "not in the folder");

        var listed = Store.List("uploads").OrderBy(f => f.Key, StringComparer.Ordinal).ToList();

        Assert.Equal(["uploads/a/data", "uploads/a/info.json", "uploads/b/deeper/part"], listed.Select(f => f.Key));
        Assert.Equal([2L, 2L, 1L], listed.Select(f => f.Length));
        Assert.Empty(Store.List("nothing-here"));
    }

    [Fact]
    public async Task ResumableUploads_AreListedFromTheStore_WithOwnerOffsetAndExpiry_UntilTheyBecomeVideos()
    {
        var expiry = TimeSpan.FromHours(3);
        var uploads = new Portal.Web.Uploads.TusUploadStore(Store, Options.Create(new Portal.Web.Videos.UploadOptions { ResumableExpiry = expiry }), TimeProvider.System);
        var a = await uploads.CreateAsync("owner-a", 1000, "a.mp4", "video/mp4", new Dictionary<string, string>());
        var b = await uploads.CreateAsync("owner-b", 50, "b.mp4", null, new Dictionary<string, string>());
        var done = await uploads.CreateAsync("owner-a", 10, "done.mp4", null, new Dictionary<string, string>());
        await using (var stream = uploads.OpenAppend(a))
        {
            await stream.WriteAsync(new byte[400]);
        }

        await uploads.MarkCompletedAsync(done, Guid.NewGuid());

        var all = await uploads.ListUnfinishedAsync(ownerId: null, CancellationToken.None);
        var mine = await uploads.ListUnfinishedAsync("owner-a", CancellationToken.None);

        // Both owners' unfinished uploads; not the one that became a video.
        Assert.Equal(new[] { a.Id, b.Id }.Order(StringComparer.Ordinal), all.Select(u => u.Id).Order(StringComparer.Ordinal));
        var listed = Assert.Single(mine);
        Assert.Equal((a.Id, "owner-a", "a.mp4", 1000L, 400L), (listed.Id, listed.OwnerId, listed.FileName, listed.Length, listed.Offset));
        Assert.InRange(listed.ExpiresAt, DateTimeOffset.UtcNow + expiry - TimeSpan.FromMinutes(1), DateTimeOffset.UtcNow + expiry + TimeSpan.FromMinutes(1));
        Assert.Equal(0, all.Single(u => u.Id == b.Id).Offset);
    }

    [Fact]
    public async Task Move_GivesAFileANewKey_ReplacingWhatWasThere()
    {
        await WriteAsync("uploads/a/data", "the upload");
        await WriteAsync("videos/v/source", "an older file");

        Store.Move("uploads/a/data", "videos/v/source");
        Store.Move("videos/v/source", "videos/w/source");

        Assert.False(Store.Exists("uploads/a/data"));
        Assert.False(Store.Exists("videos/v/source"));
        Assert.Equal("the upload", await ReadAsync("videos/w/source"));
    }

    [Fact]
    public async Task Delete_RemovesOneFile_AndIgnoresAMissingOne()
    {
        await WriteAsync("videos/v/source", "x");
        await WriteAsync("videos/v/proxy.mp4", "y");

        Store.Delete("videos/v/source");
        Store.Delete("videos/v/source");

        Assert.False(Store.Exists("videos/v/source"));
        Assert.True(Store.Exists("videos/v/proxy.mp4"));
    }

    [Fact]
    public async Task DeleteFolder_RemovesEverythingUnderIt_AndNothingBeside()
    {
        await WriteAsync("videos/v/source", "x");
        await WriteAsync("videos/v/keyframes/1-0.png", "y");
        await WriteAsync("videos/vw/source", "a neighbour whose key starts the same");

        Store.DeleteFolder("videos/v");
        Store.DeleteFolder("videos/v");

        Assert.Empty(Store.List("videos/v"));
        Assert.False(Store.Exists("videos/v/keyframes/1-0.png"));
        Assert.True(Store.Exists("videos/vw/source"));
    }

    [Fact]
    public async Task ReadingLease_GivesALocalFileWithTheContent()
    {
        await WriteAsync("videos/v/source", "the upload");

        await using var lease = await Store.LeaseForReadingAsync("videos/v/source", CancellationToken.None);

        Assert.Equal("the upload", await File.ReadAllTextAsync(lease.Path));
    }

    [Fact]
    public async Task ReadingLease_OfAMissingKey_ThrowsFileNotFound() =>
        await Assert.ThrowsAnyAsync<FileNotFoundException>(() => Store.LeaseForReadingAsync("videos/v/none", CancellationToken.None));

    [Fact]
    public async Task WritingLease_MakesWhatIsAtItsPath_TheFileOfTheKey()
    {
        await using (var lease = await Store.LeaseForWritingAsync("videos/v/proxy.mp4.partial.mp4", CancellationToken.None))
        {
            await File.WriteAllTextAsync(lease.Path, "written by ffmpeg");
        }

        Assert.Equal("written by ffmpeg", await ReadAsync("videos/v/proxy.mp4.partial.mp4"));
        Store.Move("videos/v/proxy.mp4.partial.mp4", "videos/v/proxy.mp4");
        await using var again = await Store.LeaseForReadingAsync("videos/v/proxy.mp4", CancellationToken.None);
        Assert.Equal("written by ffmpeg", await File.ReadAllTextAsync(again.Path));
    }

    [Fact]
    public async Task WritingLease_LeftEmpty_LeavesNoFile()
    {
        await using (await Store.LeaseForWritingAsync("videos/v/never-written", CancellationToken.None))
        {
        }

        Assert.False(Store.Exists("videos/v/never-written"));
    }

    protected async Task WriteAsync(string key, string text)
    {
        await using var stream = Store.OpenWrite(key);
        await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(text));
    }

    private async Task AppendAsync(string key, string text)
    {
        await using var stream = Store.OpenAppend(key);
        await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(text));
    }

    private async Task<string> ReadAsync(string key)
    {
        using var reader = new StreamReader(Store.OpenRead(key));
        return await reader.ReadToEndAsync();
    }
}

/// <summary>The contract on the local disk, in a fresh temporary directory.</summary>
public sealed class LocalMediaStoreContractTests : MediaStoreContract
{
    private readonly TempDirectory _root = new();

    protected override Task<IMediaStore> CreateStoreAsync() =>
        Task.FromResult<IMediaStore>(new LocalMediaStore(Options.Create(new MediaOptions { Root = _root.Path })));

    protected override Task DeleteStoreAsync()
    {
        _root.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>One s3rver for the S3 contract tests; each test gets a bucket of its own on it.</summary>
public sealed class S3ServerFixture : IAsyncLifetime
{
    public S3Server Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await S3Server.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();

    /// <summary>A store on a new, empty bucket, its scratch files under <paramref name="root"/>.</summary>
    public async Task<S3MediaStore> NewBucketAsync(string root, long partSizeBytes = 64L << 20)
    {
        var bucket = "test-" + Guid.NewGuid().ToString("N");
        using (var client = new Amazon.S3.AmazonS3Client(S3Server.AccessKey, S3Server.SecretKey,
            new Amazon.S3.AmazonS3Config { ServiceURL = Server.ServiceUrl, ForcePathStyle = true }))
        {
            await client.PutBucketAsync(bucket);
        }

        return new S3MediaStore(Options.Create(new MediaOptions
        {
            Store = MediaStoreKind.S3,
            Root = root,
            S3 = new S3MediaOptions { ServiceUrl = Server.ServiceUrl, Bucket = bucket, AccessKey = S3Server.AccessKey, SecretKey = S3Server.SecretKey, PartSizeBytes = partSizeBytes },
        }));
    }
}

/// <summary>The contract on an S3-protocol server (s3rver), in a fresh bucket.</summary>
public sealed class S3MediaStoreContractTests(S3ServerFixture s3) : MediaStoreContract, IClassFixture<S3ServerFixture>
{
    private readonly TempDirectory _scratch = new();

    protected override async Task<IMediaStore> CreateStoreAsync() => await s3.NewBucketAsync(_scratch.Path);

    protected override Task DeleteStoreAsync()
    {
        ((IDisposable)Store).Dispose();
        _scratch.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>
/// The contract on what Portal:Media:Store = S3 registers: uploads/ on the local disk, the rest in the bucket, so a move
/// from uploads/ (a finished upload becoming a video) crosses from one to the other.
/// </summary>
public sealed class UploadStagingMediaStoreContractTests(S3ServerFixture s3) : MediaStoreContract, IClassFixture<S3ServerFixture>
{
    private readonly TempDirectory _root = new();

    protected override async Task<IMediaStore> CreateStoreAsync() =>
        new UploadStagingMediaStore(new LocalMediaStore(Options.Create(new MediaOptions { Root = _root.Path })), await s3.NewBucketAsync(_root.Path));

    protected override Task DeleteStoreAsync()
    {
        ((IDisposable)Store).Dispose();
        _root.Dispose();
        return Task.CompletedTask;
    }
}
