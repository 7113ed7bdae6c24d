using Portal.Inference.Frames;

namespace Portal.Inference.Tests.Frames;

/// <summary>
/// Files that make FFmpeg open other files: an HLS playlist and a concat list, each beside a real video they name.
/// Without the format allowlist FFmpeg reads the named video as if it were the upload (or tries /etc/passwd).
/// </summary>
public sealed class UntrustedInputTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    public static TheoryData<string, string> Hostile() => new()
    {
        { "hls", "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:4,\nfile:///etc/passwd\n#EXTINF:4,\nfile://{clip}\n#EXT-X-ENDLIST\n" },
        { "hls", "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:4,\nfile://{clip}\n#EXT-X-ENDLIST\n" },
        { "concat", "ffconcat version 1.0\nfile clip.mp4\nfile clip.mp4\n" },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task Probe_RefusesPlaylistsAndLists_NamingTheFormat(string format, string content)
    {
        var path = Hostile(content);

        var error = await Assert.ThrowsAsync<FfmpegException>(() => FfmpegProbe.ProbeAsync(path));

        Assert.Equal(FfmpegFailure.RefusedFormat, error.Failure);
        Assert.Contains($"is a {format} file", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task Ffmpeg_RefusesThem_Too_WithoutAProbeFirst(string format, string content)
    {
        var path = Hostile(content);
        var frames = 0;

        var error = await Assert.ThrowsAsync<FfmpegException>(async () =>
        {
            await foreach (var _ in FfmpegFrameReader.ReadFramesAtAsync(path, new VideoInfo { Width = 576, Height = 576, Fps = 30, FrameCount = 120 }, [0.5]))
            {
                frames++;
            }
        });

        Assert.Equal(0, frames);
        Assert.Contains($"[{format} @", error.Message, StringComparison.Ordinal);
        Assert.Contains("Format not on whitelist", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Protocols that open other files or addresses, or read a file from inside another: each refused by the protocol
    /// whitelist before it opens anything, also where a playlist or list would name them. (tee is not among them: it
    /// is an output-only protocol, and ffmpeg refuses to read through it with or without the whitelist.)
    /// </summary>
    [Theory]
    [InlineData("subfile,,start,0,end,0,,:{clip}", "subfile")]
    [InlineData("concat:{clip}|{clip}", "concat")]
    [InlineData("data:video/mp4;base64,AAAAIGZ0eXBpc29t", "data")]
    [InlineData("http://127.0.0.1:9/clip.mp4", "http")]
    [InlineData("crypto:{clip}", "crypto")]
    [InlineData("cache:{clip}", "cache")]
    [InlineData("async:{clip}", "async")]
    public async Task Ffprobe_RefusesProtocolsBesidesFileAndPipe(string url, string protocol)
    {
        var clip = _temp.File("clip.mp4");
        File.Copy(TestPaths.Video("tfjs_pose_1.mp4"), clip, overwrite: true);

        var (exitCode, _, errors) = await FfmpegProcess.RunToEndAsync(FfmpegProcess.Ffprobe,
            ["-v", "error", .. UntrustedInput.Arguments, url.Replace("{clip}", clip, StringComparison.Ordinal)], CancellationToken.None);

        Assert.NotEqual(0, exitCode);
        Assert.Contains($"Protocol '{protocol}' not on whitelist", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeyPictureScan_OfAPlaylist_SaysNo()
    {
        var path = Hostile("#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:4,\nfile://{clip}\n#EXT-X-ENDLIST\n");

        Assert.False(await FfmpegProbe.KeyPicturesAtMostApartAsync(path, 2, CancellationToken.None));
    }

    [Fact]
    public async Task Probe_StillReadsTheVideoFormatsOfTheSharedClips()
    {
        foreach (var clip in new[] { "tfjs_pose_1.mp4", "k400_archery.avi", "ucf101_v_CricketShot_g04_c01_rgb.gif" })
        {
            var info = await FfmpegProbe.ProbeAsync(TestPaths.Video(clip));
            Assert.True(info.Width > 0 && info.Fps > 0, clip);
        }
    }

    /// <summary>Writes <paramref name="content"/> (with {clip} standing for a copy of a real video beside it) as "source".</summary>
    private string Hostile(string content)
    {
        var clip = _temp.File("clip.mp4");
        File.Copy(TestPaths.Video("tfjs_pose_1.mp4"), clip, overwrite: true);
        var path = _temp.File("source");
        File.WriteAllText(path, content.Replace("{clip}", clip, StringComparison.Ordinal));
        return path;
    }
}
