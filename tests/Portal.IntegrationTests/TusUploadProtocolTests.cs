using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Portal.Web.Uploads;

namespace Portal.IntegrationTests;

/// <summary>The real host with a 4 MiB upload limit and a two-second expiry of abandoned resumable uploads.</summary>
public sealed class TusPortalApp : PortalApp
{
    public const long Limit = 4 * 1024 * 1024;

    protected override long? MaxUploadBytes => Limit;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Portal:Upload:ResumableExpiry", "00:00:02");
        // The test sweeps when it wants to; the timed sweep only runs at start.
        builder.UseSetting("Portal:Upload:ExpirySweepInterval", "01:00:00");
    }
}

/// <summary>The tus 1.0.0 server at /api/uploads, spoken to with a plain HttpClient, edge cases included.</summary>
[Collection(IntegrationCollection.Name)]
public sealed class TusUploadProtocolTests(TusPortalApp app) : IClassFixture<TusPortalApp>
{
    internal static readonly byte[] Archery = File.ReadAllBytes(TestPaths.Video("k400_archery.avi"));

    [Fact]
    public async Task Options_AdvertisesVersionExtensionsMaxSizeAndChecksums()
    {
        using var client = app.CreateClient();
        using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Options, "/api/uploads"));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("1.0.0", Header(response, "Tus-Version"));
        Assert.Equal("1.0.0", Header(response, "Tus-Resumable"));
        Assert.Equal(TusPortalApp.Limit.ToString(CultureInfo.InvariantCulture), Header(response, "Tus-Max-Size"));
        foreach (var extension in new[] { "creation", "creation-with-upload", "termination", "checksum", "expiration" })
        {
            Assert.Contains(extension, Header(response, "Tus-Extension")!.Split(','));
        }

        Assert.Contains("sha1", Header(response, "Tus-Checksum-Algorithm")!.Split(','));
    }

    [Fact]
    public async Task UploadInTwoChunks_HeadReportsTheOffsetBetween_AndTheLastChunkMakesAVideoWithTheFilesSha256()
    {
        using var client = app.CreateClient();
        var location = await CreateAsync(client, Archery.Length, "k400_archery.avi", "video/x-msvideo");
        var half = Archery.Length / 2;

        using (var first = await PatchAsync(client, location, 0, Archery[..half]))
        {
            Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
            Assert.Equal(half.ToString(CultureInfo.InvariantCulture), Header(first, "Upload-Offset"));
            Assert.True(DateTimeOffset.Parse(Header(first, "Upload-Expires")!, CultureInfo.InvariantCulture) > DateTimeOffset.UtcNow.AddSeconds(-5));
            Assert.Null(Header(first, "Portal-Video-Id"));
        }

        using (var head = await HeadAsync(client, location))
        {
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            Assert.Equal(half.ToString(CultureInfo.InvariantCulture), Header(head, "Upload-Offset"));
            Assert.Equal(Archery.Length.ToString(CultureInfo.InvariantCulture), Header(head, "Upload-Length"));
            Assert.Equal("no-store", Header(head, "Cache-Control"));
        }

        Guid videoId;
        using (var last = await PatchAsync(client, location, half, Archery[half..]))
        {
            Assert.Equal(HttpStatusCode.NoContent, last.StatusCode);
            Assert.Equal(Archery.Length.ToString(CultureInfo.InvariantCulture), Header(last, "Upload-Offset"));
            videoId = Guid.Parse(Header(last, "Portal-Video-Id")!);
        }

        // A client that resumes a finished upload learns the video too.
        using (var head = await HeadAsync(client, location))
        {
            Assert.Equal(Archery.Length.ToString(CultureInfo.InvariantCulture), Header(head, "Upload-Offset"));
            Assert.Equal(videoId.ToString(), Header(head, "Portal-Video-Id"));
        }

        // The probe's metadata shows the file arrived whole and readable; later pipeline stages are not this test's business.
        var video = await app.WaitUntilProbedAsync(videoId);
        Assert.Equal("k400_archery.avi", video.FileName);
        Assert.Equal(Archery.Length, video.SizeBytes);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Archery)), video.Sha256);
        Assert.Equal((320, 240), (video.Width, video.Height));
    }

    [Fact]
    public async Task CreationWithUpload_TheWholeFileInThePost_MakesAVideo()
    {
        using var client = app.CreateClient();
        using var request = CreateRequest(Archery.Length, "whole.avi", "video/x-msvideo");
        request.Content = OffsetContent(Archery);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(Archery.Length.ToString(CultureInfo.InvariantCulture), Header(response, "Upload-Offset"));
        var video = await app.GetVideoAsync(Guid.Parse(Header(response, "Portal-Video-Id")!));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Archery)), video.Sha256);
    }

    [Fact]
    public async Task Patch_AtTheWrongOffset_Is409_AndAppendsNothing()
    {
        using var client = app.CreateClient();
        var location = await CreateAsync(client, 1000, "clip.mp4", "video/mp4");
        using (await PatchAsync(client, location, 0, new byte[100]))
        {
        }

        using var conflict = await PatchAsync(client, location, 50, new byte[100]);

        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Contains("holds 100 bytes", await conflict.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("100", Header(await HeadAsync(client, location), "Upload-Offset"));
    }

    [Fact]
    public async Task Requests_WithoutTusResumable_Are412_AndNameTheVersion()
    {
        using var client = app.CreateClient();
        var location = await CreateAsync(client, 1000, "clip.mp4", "video/mp4");
        using var request = new HttpRequestMessage(HttpMethod.Patch, location) { Content = OffsetContent(new byte[10]) };
        request.Headers.Add("Upload-Offset", "0");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
        Assert.Equal("1.0.0", Header(response, "Tus-Version"));
        Assert.Contains("Tus-Resumable: 1.0.0", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("0", Header(await HeadAsync(client, location), "Upload-Offset"));
    }

    [Fact]
    public async Task Patch_WithABadChecksum_Is460_AndAppendsNothing_AndAGoodOneIsAccepted()
    {
        using var client = app.CreateClient();
        var location = await CreateAsync(client, 1000, "clip.mp4", "video/mp4");
        var chunk = Encoding.ASCII.GetBytes(new string('x', 400));

        using (var bad = await PatchAsync(client, location, 0, chunk, checksum: "sha1 " + Convert.ToBase64String(SHA1.HashData(new byte[400]))))
        {
            Assert.Equal(460, (int)bad.StatusCode);
            Assert.Contains("discarded", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal("0", Header(await HeadAsync(client, location), "Upload-Offset"));

        using var good = await PatchAsync(client, location, 0, chunk, checksum: "sha1 " + Convert.ToBase64String(SHA1.HashData(chunk)));
        Assert.Equal(HttpStatusCode.NoContent, good.StatusCode);
        Assert.Equal("400", Header(good, "Upload-Offset"));
    }

    [Fact]
    public async Task Patch_WithAnUnsupportedChecksumAlgorithm_Is400()
    {
        using var client = app.CreateClient();
        var location = await CreateAsync(client, 1000, "clip.mp4", "video/mp4");

        using var response = await PatchAsync(client, location, 0, new byte[10], checksum: "crc32 AAAAAA==");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("crc32", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_LargerThanTheLimit_Is413_WithTheLimitInTheMessage()
    {
        using var client = app.CreateClient();

        using var response = await client.SendAsync(CreateRequest(TusPortalApp.Limit + 1, "big.mp4", "video/mp4"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("4 MiB", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Patch_PastUploadLength_Is413_AndAppendsNothing()
    {
        using var client = app.CreateClient();
        var location = await CreateAsync(client, 100, "clip.mp4", "video/mp4");

        using var response = await PatchAsync(client, location, 0, new byte[101]);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("0", Header(await HeadAsync(client, location), "Upload-Offset"));
    }

    [Theory]
    [InlineData("notes.txt", "text/plain")]
    [InlineData("archive.zip", "")]
    public async Task Create_ForAFileThatIsNoVideo_Is415_WithAClearSentence(string fileName, string fileType)
    {
        using var client = app.CreateClient();

        using var response = await client.SendAsync(CreateRequest(100, fileName, fileType));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("does not look like a video", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_WithoutUploadLength_Is400()
    {
        using var client = app.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/uploads");
        request.Headers.Add("Tus-Resumable", "1.0.0");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Upload-Length", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_RemovesTheUpload_AndHeadIsThen404()
    {
        using var client = app.CreateClient();
        var location = await CreateAsync(client, 1000, "clip.mp4", "video/mp4");
        using (await PatchAsync(client, location, 0, new byte[10]))
        {
        }

        using var delete = new HttpRequestMessage(HttpMethod.Delete, location);
        delete.Headers.Add("Tus-Resumable", "1.0.0");
        using var deleted = await client.SendAsync(delete);

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await HeadAsync(client, location)).StatusCode);
        Assert.False(Directory.Exists(UploadDirectory(location)));
    }

    [Fact]
    public async Task Sweep_DeletesAnUploadAbandonedLongerThanTheExpiry()
    {
        using var client = app.CreateClient();
        var location = await CreateAsync(client, 1000, "clip.mp4", "video/mp4");
        using (await PatchAsync(client, location, 0, new byte[10]))
        {
        }

        var store = app.Services.GetRequiredService<TusUploadStore>();
        await store.DeleteExpiredAsync(CancellationToken.None);
        Assert.True(Directory.Exists(UploadDirectory(location)), "a fresh upload was swept");
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        await store.DeleteExpiredAsync(CancellationToken.None);

        Assert.Equal(HttpStatusCode.NotFound, (await HeadAsync(client, location)).StatusCode);
        Assert.False(Directory.Exists(UploadDirectory(location)));
    }

    [Fact]
    public async Task AnotherOwnersUpload_IsNotFound_ForHeadPatchAndDelete()
    {
        var store = app.Services.GetRequiredService<TusUploadStore>();
        var theirs = await store.CreateAsync("someone-else", 1000, "theirs.mp4", "video/mp4", new Dictionary<string, string>());
        var location = $"/api/uploads/{theirs.Id}";
        using var client = app.CreateClient();

        Assert.Equal(HttpStatusCode.NotFound, (await HeadAsync(client, location)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await PatchAsync(client, location, 0, new byte[10])).StatusCode);
        using var delete = new HttpRequestMessage(HttpMethod.Delete, location);
        delete.Headers.Add("Tus-Resumable", "1.0.0");
        Assert.Equal(HttpStatusCode.NotFound, (await client.SendAsync(delete)).StatusCode);
        Assert.Equal(0, store.GetOffset(theirs));
        Assert.True(Directory.Exists(UploadDirectory(location)));
    }

    [Fact]
    public async Task Head_OfAnUnknownOrMalformedId_Is404()
    {
        using var client = app.CreateClient();

        Assert.Equal(HttpStatusCode.NotFound, (await HeadAsync(client, $"/api/uploads/{Guid.NewGuid():N}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await HeadAsync(client, "/api/uploads/..%2F..%2Fetc")).StatusCode);
    }

    private string UploadDirectory(string location) => Path.Combine(app.Media.Path, "uploads", location.Split('/')[^1]);

    private static HttpRequestMessage CreateRequest(long length, string fileName, string fileType)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/uploads");
        request.Headers.Add("Tus-Resumable", "1.0.0");
        request.Headers.Add("Upload-Length", length.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("Upload-Metadata",
            $"filename {Convert.ToBase64String(Encoding.UTF8.GetBytes(fileName))},filetype {Convert.ToBase64String(Encoding.UTF8.GetBytes(fileType))}");
        return request;
    }

    internal static async Task<string> CreateAsync(HttpClient client, long length, string fileName, string fileType)
    {
        using var response = await client.SendAsync(CreateRequest(length, fileName, fileType));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("0", Header(response, "Upload-Offset"));
        return response.Headers.Location!.OriginalString;
    }

    internal static async Task<HttpResponseMessage> PatchAsync(HttpClient client, string location, long offset, byte[] chunk, string? checksum = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, location) { Content = OffsetContent(chunk) };
        request.Headers.Add("Tus-Resumable", "1.0.0");
        request.Headers.Add("Upload-Offset", offset.ToString(CultureInfo.InvariantCulture));
        if (checksum is not null)
        {
            request.Headers.Add("Upload-Checksum", checksum);
        }

        return await client.SendAsync(request);
    }

    private static async Task<HttpResponseMessage> HeadAsync(HttpClient client, string location)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, location);
        request.Headers.Add("Tus-Resumable", "1.0.0");
        return await client.SendAsync(request);
    }

    private static ByteArrayContent OffsetContent(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/offset+octet-stream");
        return content;
    }

    internal static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(",", values)
            : null;
}
