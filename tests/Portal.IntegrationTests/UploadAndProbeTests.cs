using System.Security.Cryptography;

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
                return (Ffmpeg(directory, "tone.m4a", "-f", "lavfi", "-i", "sine=frequency=440:duration=1"), "tone.mp4");
            case "zero-frames":
                // A real MP4 whose sample tables are emptied: a video track with a codec and a size but no frames.
                var mp4 = File.ReadAllBytes(Ffmpeg(directory, "one.mp4", "-f", "lavfi", "-i", "color=s=64x64:r=5:d=1", "-c:v", "libx264", "-pix_fmt", "yuv420p"));
                foreach (var (box, countOffset) in new[] { ("stsz", 12), ("stts", 8), ("stsc", 8), ("stco", 8) })
                {
                    var at = IndexOf(mp4, box);
                    Array.Clear(mp4, at + countOffset, 4);
                }

                return (Write(directory, "zero-frames.mp4", mp4), "zero-frames.mp4");
            case "huge-30000":
                return (Write(directory, "huge.mov", RawMovDeclaring(directory, 30000)), "huge.mov");
            case "huge-16000":
                return (Write(directory, "big.mov", RawMovDeclaring(directory, 16000)), "big.mov");
            case "variable-frame-rate":
                return (Ffmpeg(directory, "vfr.mp4", "-f", "lavfi", "-i", "testsrc=s=160x120:r=10:d=2",
                    "-vf", "setpts='if(lt(N,5),N*0.04,0.2+(N-5)*0.2)/TB'", "-fps_mode", "passthrough", "-c:v", "libx264"), "vfr.mp4");
            case "rotated":
                return (Ffmpeg(directory, "rotated.mp4", "-i", TestPaths.Video("tfjs_pose_1.mp4"), "-c", "copy", "-metadata:s:v:0", "rotate=90"), "rotated.mp4");
            case "10-bit":
                return (Ffmpeg(directory, "ten.mp4", "-f", "lavfi", "-i", "testsrc=s=160x120:r=10:d=2", "-c:v", "libx264", "-pix_fmt", "yuv420p10le"), "ten.mp4");
            case "long-gif":
                // 13 frames of 10 minutes each (a GIF frame lasts at most 655 s): 2 h 10 min in a few hundred bytes.
                return (Ffmpeg(directory, "long.gif", "-f", "lavfi", "-i", "color=s=64x48:r=1:d=13", "-vf", "setpts=PTS*600", "-r", "1/600", "-f", "gif"), "long.gif");
            case "png":
                // A still image: FFmpeg's image readers (image2, png_pipe, ...) are not on the allowlist.
                return (Ffmpeg(directory, "still.png", "-f", "lavfi", "-i", "color=s=32x32:d=1", "-frames:v", "1"), "still.mp4");
            case "zip":
                var zipPath = Path.Combine(directory, "archive.mp4");
                using (var zip = System.IO.Compression.ZipFile.Open(zipPath, System.IO.Compression.ZipArchiveMode.Create))
                {
                    System.IO.Compression.ZipFileExtensions.CreateEntryFromFile(zip, TestPaths.Video("tfjs_pose_1.mp4"), "clip.mp4");
                }

                return (zipPath, "archive.mp4");
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
                if (kind.StartsWith("playlist-to:", StringComparison.Ordinal))
                {
                    // An HLS playlist naming the address after the colon (a listener of the test's, say).
                    return (Write(directory, "remote.m3u8", Playlist(kind["playlist-to:".Length..])), "clip.mp4");
                }

                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }

    /// <summary>Runs ffmpeg to make <paramref name="name"/> in <paramref name="directory"/> from the given inputs and options.</summary>
    private static string Ffmpeg(string directory, string name, params string[] arguments)
    {
        var path = Path.Combine(directory, name);
        using var ffmpeg = Process.Start("ffmpeg", ["-v", "error", "-y", .. arguments, path])!;
        ffmpeg.WaitForExit();
        Assert.Equal(0, ffmpeg.ExitCode);
        return path;
    }

    /// <summary>
    /// A 16x16 raw-video MOV whose sample description is rewritten to declare <paramref name="side"/> x <paramref name="side"/>
    /// pixels: ffprobe reports what the header says, nothing that large is ever encoded.
    /// </summary>
    private static byte[] RawMovDeclaring(string directory, int side)
    {
        var mov = File.ReadAllBytes(Ffmpeg(directory, $"raw-{side}.mov", "-f", "lavfi", "-i", "color=s=16x16:d=0.2:r=5", "-c:v", "rawvideo", "-pix_fmt", "gray"));
        // The sample entry: size, "raw ", 6 reserved, data reference index, version, revision, vendor, two qualities, width, height.
        var entry = IndexOf(mov, "raw ");
        while (mov.AsSpan(entry - 4, 4).SequenceEqual(new byte[4]))
        {
            entry = IndexOf(mov, "raw ", entry + 1); // the codec name in the handler can say "raw " too
        }

        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(mov.AsSpan(entry + 28), (ushort)side);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(mov.AsSpan(entry + 30), (ushort)side);
        return mov;
    }

    private static int IndexOf(byte[] data, string fourCc, int from = 0)
    {
        var at = data.AsSpan(from).IndexOf(System.Text.Encoding.ASCII.GetBytes(fourCc));
        Assert.True(at >= 0, $"no '{fourCc}' box");
        return from + at;
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
