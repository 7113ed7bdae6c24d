using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Portal.Data.Entities;
using Portal.TestSupport;
using Portal.Web.Videos;

namespace Portal.IntegrationTests;

[Collection(IntegrationCollection.Name)]
public sealed class UploadAndProbeTests(PortalApp app) : IClassFixture<PortalApp>
{
    public static TheoryData<string> SharedClips() => new(TestPaths.SharedVideos().Select(Path.GetFileName)!);

    [Theory]
    [MemberData(nameof(SharedClips))]
    public async Task Upload_SharedClip_IsProbed_WithTheMetadataFfprobeReports(string clip)
    {
        var path = TestPaths.Video(clip);
        var uploaded = await app.UploadOkAsync(path);

        var video = await app.WaitUntilProbedAsync(uploaded.Id);

        Assert.NotEqual(VideoStatus.Failed, video.Status);
        Assert.Null(video.Error);
        Assert.Equal(clip, video.FileName);
        Assert.Equal(new FileInfo(path).Length, video.SizeBytes);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))), video.Sha256);
        var expected = FfprobeCli.Probe(path);
        Assert.Equal(expected.Width, video.Width);
        Assert.Equal(expected.Height, video.Height);
        Assert.Equal(expected.Codec, video.Codec);
        Assert.Equal(expected.DurationSeconds, video.DurationSeconds!.Value, precision: 2);
        Assert.InRange(video.Fps!.Value, 1, 240);
        Assert.True(video.FrameCount > 0);
        // The stored file is the uploaded file, under a generated name.
        var stored = Path.Combine(app.Media.Path, "videos", uploaded.Id.ToString("N"), "source");
        Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(stored));
        Assert.DoesNotContain(Directory.EnumerateFiles(app.Media.Path, "*", SearchOption.AllDirectories), f => f.Contains(Path.GetFileNameWithoutExtension(clip), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Upload_Archery_Shows5Point2Seconds_And320x240()
    {
        var uploaded = await app.UploadOkAsync(TestPaths.Video("k400_archery.avi"));

        var video = await app.WaitUntilProbedAsync(uploaded.Id);

        Assert.Equal("5.2", video.DurationSeconds!.Value.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal((320, 240), (video.Width, video.Height));
        Assert.Equal(25, video.Fps!.Value, precision: 3);
        Assert.Equal("mpeg4", video.Codec);
    }

    public static TheoryData<string, string> BadFiles() => new()
    {
        { "empty", "empty" },
        { "random", "not a video Portal can read" },
        { "text", "not a video Portal can read" },
        { "truncated", "incomplete MP4" },
        { "audio", "only audio" },
        { "playlist", "hls" },
        { "playlist-of-a-clip", "hls" },
        { "concat", "concat" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public async Task Upload_BadFile_EndsFailed_WithAClearReason_KeepsTheFile_AndTheNextVideoStillSucceeds(string kind, string expectedReason)
    {
        using var temp = new TempDirectory();
        var (path, name) = BadFileCorpus.Make(kind, temp.Path);

        var bad = await app.UploadOkAsync(path, name);
        var good = await app.UploadOkAsync(TestPaths.Video("tfjs_pose_1.mp4"));

        var failed = await app.WaitUntilFinishedAsync(bad.Id);
        Assert.Equal(VideoStatus.Failed, failed.Status);
        Assert.Contains(expectedReason, failed.Error, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(app.Media.Path, failed.Error, StringComparison.Ordinal);
        Assert.True(Directory.Exists(Path.Combine(app.Media.Path, "videos", bad.Id.ToString("N"))), "the bad file is kept for inspection");
        Assert.Equal(VideoStatus.Succeeded, (await app.WaitUntilFinishedAsync(good.Id)).Status);
    }

    [Fact]
    public async Task Upload_WithoutAFileField_Is400_WithAProblemDetail()
    {
        using var client = app.CreateClient();
        using var content = new MultipartFormDataContent { { new StringContent("hello"), "notes" } };

        using var response = await client.PostAsync(new Uri("/api/videos", UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("'file'", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_NotMultipart_Is400()
    {
        using var client = app.CreateClient();
        using var content = new ByteArrayContent([1, 2, 3]);

        using var response = await client.PostAsync(new Uri("/api/videos", UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task GetVideo_Unknown_Is404()
    {
        using var client = app.CreateClient();

        using var response = await client.GetAsync(new Uri($"/api/videos/{Guid.NewGuid()}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task GetVideo_ReturnsTheDocumentedCamelCaseFields()
    {
        var uploaded = await app.UploadOkAsync(TestPaths.Video("tfjs_pose_1.mp4"));
        await app.WaitUntilFinishedAsync(uploaded.Id);
        using var client = app.CreateClient();

        using var document = JsonDocument.Parse(await client.GetStringAsync(new Uri($"/api/videos/{uploaded.Id}", UriKind.Relative)));

        foreach (var field in new[] { "id", "fileName", "status", "stage", "progress", "error", "durationSeconds", "fps", "width", "height", "codec" })
        {
            Assert.True(document.RootElement.TryGetProperty(field, out _), $"missing '{field}'");
        }

        Assert.Equal("Succeeded", document.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task ListVideos_ContainsUploads_NewestFirst()
    {
        var first = await app.UploadOkAsync(TestPaths.Video("tfjs_pose_1.mp4"));
        var second = await app.UploadOkAsync(TestPaths.Video("k400_archery.avi"));
        using var client = app.CreateClient();

        var list = (await client.GetFromJsonAsync<List<VideoDto>>(new Uri("/api/videos", UriKind.Relative), PortalApp.Json))!;

        var ids = list.Select(v => v.Id).ToList();
        Assert.True(ids.IndexOf(second.Id) < ids.IndexOf(first.Id));
        Assert.DoesNotContain(-1, new[] { ids.IndexOf(first.Id), ids.IndexOf(second.Id) });
    }

    [Fact]
    public async Task Health_Is200_WhenPostgreSqlAndHangfireAnswer()
    {
        using var client = app.CreateClient();

        using var response = await client.GetAsync(new Uri("/health", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task OpenApiDocument_DescribesTheVideoApi()
    {
        using var client = app.CreateClient();

        var document = await client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative));

        Assert.Contains("/api/videos", document, StringComparison.Ordinal);
    }
}

[Collection(IntegrationCollection.Name)]
public sealed class UploadLimitTests(SmallLimitPortalApp app) : IClassFixture<SmallLimitPortalApp>
{
    [Fact]
    public async Task Upload_AboveTheLimit_Is413_AndLeavesNoFileAndNoVideo()
    {
        var path = TestPaths.Video("k400_archery.avi");
        Assert.True(new FileInfo(path).Length > SmallLimitPortalApp.Limit);

        using var response = await app.UploadAsync(path);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Empty(Directory.EnumerateFiles(app.Media.Path, "*", SearchOption.AllDirectories));
        using var client = app.CreateClient();
        var list = await client.GetFromJsonAsync<List<VideoDto>>(new Uri("/api/videos", UriKind.Relative), PortalApp.Json);
        Assert.Empty(list!);
    }

    [Fact]
    public async Task Upload_BelowTheLimit_IsAccepted()
    {
        using var temp = new TempDirectory();
        var (path, name) = BadFileCorpus.Make("text", temp.Path);

        using var response = await app.UploadAsync(path, name);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }
}

/// <summary>ffprobe run directly, as an oracle independent of FFMpegCore and of Portal's mapping.</summary>
internal static class FfprobeCli
{
    public static (int Width, int Height, string Codec, double DurationSeconds) Probe(string path)
    {
        var start = new ProcessStartInfo("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height,codec_name:format=duration", "-of", "json", path])
        {
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        using var json = JsonDocument.Parse(output);
        var stream = json.RootElement.GetProperty("streams")[0];
        var duration = double.Parse(json.RootElement.GetProperty("format").GetProperty("duration").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        return (stream.GetProperty("width").GetInt32(), stream.GetProperty("height").GetInt32(), stream.GetProperty("codec_name").GetString()!, duration);
    }
}

/// <summary>Broken and hostile files, made fresh for each test.</summary>
internal static class BadFileCorpus
{
    public static (string Path, string UploadName) Make(string kind, string directory)
    {
        switch (kind)
        {
            case "empty":
                return (Write(directory, "empty.mp4", []), "empty.mp4");
            case "random":
                var random = new byte[64 * 1024];
                new Random(7).NextBytes(random);
                return (Write(directory, "random.mp4", random), "random.mp4");
            case "text":
                return (Write(directory, "notes.txt", "This is a text file, not a video.\n"u8.ToArray()), "notes.txt");
            case "truncated":
                // The shared clip keeps its index ('moov') at the end, so cutting the file in half loses the index.
                var whole = File.ReadAllBytes(TestPaths.Video("basketball_two_people.mp4"));
                return (Write(directory, "truncated.mp4", whole[..(whole.Length / 2)]), "truncated.mp4");
            case "audio":
                var audio = Path.Combine(directory, "tone.m4a");
                using (var ffmpeg = Process.Start("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=1", audio])!)
                {
                    ffmpeg.WaitForExit();
                    Assert.Equal(0, ffmpeg.ExitCode);
                }

                return (audio, "tone.mp4");
            case "playlist":
                // An HLS playlist that names a file of the machine: FFmpeg must not open it.
                return (Write(directory, "playlist.m3u8", Playlist("file:///etc/passwd")), "clip.mp4");
            case "playlist-of-a-clip":
                // One that names a video elsewhere on the disk (another user's, say), which FFmpeg's HLS reader would play.
                return (Write(directory, "playlist.m3u8", Playlist("file://" + TestPaths.Video("tfjs_pose_1.mp4"))), "clip.mp4");
            case "concat":
                var list = $"ffconcat version 1.0\nfile 'file:{TestPaths.Video("tfjs_pose_1.mp4")}'\nfile /etc/passwd\n";
                return (Write(directory, "list.ffconcat", System.Text.Encoding.UTF8.GetBytes(list)), "clip.mp4");
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }

    private static byte[] Playlist(string segment) => System.Text.Encoding.UTF8.GetBytes(
        $"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:4,\n{segment}\n#EXT-X-ENDLIST\n");

    private static string Write(string directory, string name, byte[] bytes)
    {
        var path = Path.Combine(directory, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
