using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Options;
using Portal.Data.Media;

namespace Portal.IntegrationTests;

/// <summary>The real host with Portal:Media:Store = S3, its bucket on an s3rver started beside it.</summary>
public sealed class S3PortalApp : PortalApp
{
    public S3Server S3 { get; private set; } = null!;

    /// <summary>A second client of the same bucket, to look at what the portal put there.</summary>
    public S3MediaStore Bucket { get; private set; } = null!;

    private readonly TempDirectory _bucketScratch = new("portal-bucket");

    public override async Task InitializeAsync()
    {
        S3 = await S3Server.StartAsync();
        Bucket = new S3MediaStore(Options.Create(BucketOptions(_bucketScratch.Path)));
        await base.InitializeAsync();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Portal:Media:Store", "S3");
        builder.UseSetting("Portal:Media:S3:ServiceUrl", S3.ServiceUrl);
        builder.UseSetting("Portal:Media:S3:Bucket", S3Server.Bucket);
        builder.UseSetting("Portal:Media:S3:AccessKey", S3Server.AccessKey);
        builder.UseSetting("Portal:Media:S3:SecretKey", S3Server.SecretKey);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Bucket?.Dispose();
        if (S3 is not null)
        {
            await S3.DisposeAsync();
        }

        _bucketScratch.Dispose();
    }

    private MediaOptions BucketOptions(string root) => new()
    {
        Store = MediaStoreKind.S3,
        Root = root,
        S3 = new S3MediaOptions { ServiceUrl = S3.ServiceUrl, Bucket = S3Server.Bucket, AccessKey = S3Server.AccessKey, SecretKey = S3Server.SecretKey },
    };
}

/// <summary>
/// A resumable upload and a whole processing run with the media in a bucket of an S3-protocol server (s3rver): the
/// upload lands in the bucket, the pipeline's ffmpeg stages work through leases, the review player's range requests
/// are served from the bucket.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class ObjectStorageTests(S3PortalApp app) : IClassFixture<S3PortalApp>
{
    [Fact]
    public async Task ResumableUpload_LandsInTheBucket_IsProcessed_AndTheProxyIsServedByRangeFromTheBucket()
    {
        using var client = app.CreateClient();
        var location = await TusUploadProtocolTests.CreateAsync(client, TusUploadProtocolTests.Archery.Length, "k400_archery.avi", "video/x-msvideo");
        var half = TusUploadProtocolTests.Archery.Length / 2;
        using (var first = await TusUploadProtocolTests.PatchAsync(client, location, 0, TusUploadProtocolTests.Archery[..half]))
        {
            Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        }

        Guid id;
        using (var last = await TusUploadProtocolTests.PatchAsync(client, location, half, TusUploadProtocolTests.Archery[half..]))
        {
            Assert.Equal(HttpStatusCode.NoContent, last.StatusCode);
            id = Guid.Parse(TusUploadProtocolTests.Header(last, "Portal-Video-Id")!);
        }

        var video = await app.WaitUntilFinishedAsync(id);
        Assert.True(video.Status == VideoStatus.Succeeded, $"{video.Status} at {video.Stage}: {video.Error}");

        // The upload, whole, and the proxy are objects in the bucket; the web machine's disk keeps no copy of either.
        Assert.Equal(TusUploadProtocolTests.Archery, await ReadAllAsync(app.Bucket.OpenRead(MediaKeys.VideoSource(id))));
        var proxy = app.Bucket.Find(MediaKeys.VideoProxy(id));
        Assert.NotNull(proxy);
        Assert.NotEmpty(app.Bucket.List(MediaKeys.VideoFolder(id)));
        Assert.False(Directory.Exists(Path.Combine(app.Media.Path, "videos")));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(app.Media.Path, ".s3-scratch")));

        // The review player's requests: a range in the middle, and the last bytes (a suffix range).
        var bytes = await ReadAllAsync(app.Bucket.OpenRead(proxy.Key));
        using (var middle = await GetProxyAsync(client, id, new RangeHeaderValue(1000, 1999)))
        {
            Assert.Equal(HttpStatusCode.PartialContent, middle.StatusCode);
            Assert.Equal(proxy.Length, middle.Content.Headers.ContentRange!.Length);
            Assert.Equal(bytes[1000..2000], await middle.Content.ReadAsByteArrayAsync());
        }

        using (var suffix = await GetProxyAsync(client, id, new RangeHeaderValue(null, 500)))
        {
            Assert.Equal(HttpStatusCode.PartialContent, suffix.StatusCode);
            Assert.Equal(bytes[^500..], await suffix.Content.ReadAsByteArrayAsync());
        }
    }

    private static async Task<HttpResponseMessage> GetProxyAsync(HttpClient client, Guid id, RangeHeaderValue range)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/videos/{id}/proxy.mp4");
        request.Headers.Range = range;
        return await client.SendAsync(request);
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        await using (stream)
        {
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            return copy.ToArray();
        }
    }
}
