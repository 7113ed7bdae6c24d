using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Inference.Frames;
using SkiaSharp;

namespace Portal.IntegrationTests;

/// <summary>The whole pipeline on real clips: proxy, MoveNet MultiPose, tracking, the action model, keyframes.</summary>
[Collection(IntegrationCollection.Name)]
public sealed class PipelineTests(PortalApp app) : IClassFixture<PortalApp>
{
    private static readonly string[] PeopleClips = ["tfjs_pose_1.mp4", "k400_arm_wrestling.mp4", "basketball_two_people.mp4", "k400_archery.avi", "ucf101_v_CricketShot_g04_c01_rgb.gif"];

    public static TheoryData<string> ClipsWithPeople() => new(PeopleClips);

    [Theory]
    [MemberData(nameof(ClipsWithPeople))]
    public async Task ClipWithPeople_EndsSucceeded_WithTracksSegmentsAndKeyframes(string clip)
    {
        var uploaded = await app.UploadOkAsync(TestPaths.Video(clip));

        var video = await app.WaitUntilFinishedAsync(uploaded.Id);

        Assert.True(video.Status == VideoStatus.Succeeded, $"{clip}: {video.Status} {video.Error}");
        var timeline = await app.GetJsonAsync<TimelineDto>($"/api/videos/{uploaded.Id}/timeline");
        Assert.NotEmpty(timeline.Tracks);
        Assert.Contains(timeline.Tracks, t => t.Segments.Count > 0);
        Assert.Equal("Succeeded", timeline.Status);
        foreach (var segment in timeline.Tracks.SelectMany(t => t.Segments))
        {
            Assert.True(segment.EndSeconds > segment.StartSeconds);
            Assert.InRange(segment.Confidence, 0, 1);
            Assert.NotEmpty(segment.TopK);
            Assert.NotNull(segment.KeyframeUrl);
        }

        using var client = app.CreateClient();
        var keyframe = timeline.Tracks.SelectMany(t => t.Segments).First().KeyframeUrl!;
        using var png = await client.GetAsync(new Uri(keyframe, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, png.StatusCode);
        Assert.Equal("image/png", png.Content.Headers.ContentType?.MediaType);
        var bytes = await png.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
    }

    [Fact]
    public async Task LongClip_PeopleWalkingInAndOut_SegmentsCoverTheTimesPeopleAreInView()
    {
        var uploaded = await app.UploadOkAsync(TestPaths.Video("one-by-one-person-detection.mp4"));

        var video = await app.WaitUntilFinishedAsync(uploaded.Id, TimeSpan.FromMinutes(10));

        Assert.True(video.Status == VideoStatus.Succeeded, $"{video.Status} {video.Error}");
        // This clip already is browser-ready H.264 with a key picture every second: its proxy copies the picture.
        var proxy = Path.Combine(app.Media.Path, "videos", uploaded.Id.ToString("N"), "proxy.mp4");
        Assert.Equal(PictureHash(TestPaths.Video("one-by-one-person-detection.mp4")), PictureHash(proxy));
        var timeline = await app.GetJsonAsync<TimelineDto>($"/api/videos/{uploaded.Id}/timeline");
        Assert.True(timeline.Tracks.Count >= 2, $"people come and go one by one: {timeline.Tracks.Count} track(s)");
        foreach (var track in timeline.Tracks.Where(t => t.EndSeconds - t.StartSeconds >= 1))
        {
            // Every second a person is in view lies within one of their segments (window edges may reach beyond).
            Assert.NotEmpty(track.Segments);
            Assert.True(track.Segments[0].StartSeconds <= track.StartSeconds + 1e-3, $"track {track.TrackId} starts uncovered");
            Assert.True(track.Segments[^1].EndSeconds >= track.EndSeconds - 1e-3, $"track {track.TrackId} ends uncovered");
            for (var s = 1; s < track.Segments.Count; s++)
            {
                Assert.Equal(track.Segments[s - 1].EndSeconds, track.Segments[s].StartSeconds, 3);
            }
        }

        // The actions stage reads and writes a track a few windows at a time (5 in these tests): whatever the chunk
        // boundaries, a track's windows are numbered 0..n-1 in time order at the run's stride, and its segments take
        // them up one after another, every window in exactly one segment.
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var run = await db.Runs.AsNoTracking().SingleAsync(r => r.VideoId == uploaded.Id);
        var windows = (await db.ActionWindows.AsNoTracking().Where(w => w.RunId == run.Id).ToListAsync()).ToLookup(w => w.TrackNumber);
        var segments = (await db.Segments.AsNoTracking().Where(s => s.RunId == run.Id).ToListAsync()).ToLookup(s => s.TrackNumber);
        Assert.Contains(windows, track => track.Count() > 10);
        foreach (var track in windows)
        {
            var ordered = track.OrderBy(w => w.WindowIndex).ToList();
            Assert.Equal(Enumerable.Range(0, ordered.Count), ordered.Select(w => w.WindowIndex));
            Assert.All(ordered.Zip(ordered.Skip(1)), pair => Assert.True(
                pair.Second.StartSeconds - pair.First.StartSeconds >= run.WindowStrideSeconds - 1e-6,
                $"track {track.Key}: window {pair.Second.WindowIndex} starts {pair.Second.StartSeconds} s after {pair.First.StartSeconds} s"));
            var next = 0;
            foreach (var segment in segments[track.Key].OrderBy(s => s.SegmentIndex))
            {
                Assert.Equal(next, segment.FirstWindow);
                next += segment.WindowCount;
            }

            Assert.Equal(ordered.Count, next);
        }

        // Each keyframe shows its own moment: of the proxy's frames at the keyframe time and a second either side, the
        // picture under the drawing is nearest the one at the keyframe time. The clip has more segments than one ffmpeg
        // process reads, so this spans several. The reference frames come from decoding the whole proxy in order, not
        // from the seeking reader the stage uses, so a reader that picked the wrong frames would not agree with itself.
        var keyframed = timeline.Tracks.SelectMany(t => t.Segments)
            .Where(s => s.KeyframeSeconds > 1.5 && s.KeyframeSeconds < video.DurationSeconds - 1.5).ToList();
        Assert.True(keyframed.Count > FfmpegFrameReader.FramesPerProcess, $"{keyframed.Count} keyframes");
        var info = await FfmpegProbe.ProbeAsync(proxy);
        int FrameAt(double seconds) => (int)Math.Round(seconds * info.Fps);
        var wanted = keyframed.SelectMany(s => new[] { FrameAt(s.KeyframeSeconds!.Value), FrameAt(s.KeyframeSeconds!.Value - 1), FrameAt(s.KeyframeSeconds!.Value + 1) }).ToHashSet();
        var reference = new Dictionary<int, byte[]>();
        await foreach (var frame in FfmpegFrameReader.ReadAsync(proxy))
        {
            if (wanted.Contains(frame.Index))
            {
                reference[frame.Index] = frame.Rgb.ToArray();
            }
        }

        using var client = app.CreateClient();
        foreach (var segment in keyframed)
        {
            var time = segment.KeyframeSeconds!.Value;
            var png = PngPixels(await client.GetByteArrayAsync(new Uri(segment.KeyframeUrl!, UriKind.Relative)), info);
            var differences = new[] { time, time - 1, time + 1 }.Select(t => MeanAbsoluteDifference(png, reference[FrameAt(t)])).ToList();
            Assert.True(differences[0] < differences[1] && differences[0] < differences[2],
                $"keyframe at {time} s: differences to the frames at t, t-1 s, t+1 s: {string.Join(", ", differences)}");
        }
    }

    /// <summary>The PNG's pixels as RGB24 rows, after checking it has the proxy's size.</summary>
    private static byte[] PngPixels(byte[] png, VideoInfo info)
    {
        using var bitmap = SKBitmap.Decode(png);
        Assert.Equal((info.Width, info.Height), (bitmap.Width, bitmap.Height));
        var rgb = new byte[info.Width * info.Height * 3];
        for (var y = 0; y < bitmap.Height; y++)
        {
            for (var x = 0; x < bitmap.Width; x++)
            {
                var pixel = bitmap.GetPixel(x, y);
                var i = (y * bitmap.Width + x) * 3;
                (rgb[i], rgb[i + 1], rgb[i + 2]) = (pixel.Red, pixel.Green, pixel.Blue);
            }
        }

        return rgb;
    }

    private static double MeanAbsoluteDifference(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        Assert.Equal(a.Length, b.Length);
        long sum = 0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += Math.Abs(a[i] - b[i]);
        }

        return sum / (double)a.Length;
    }

    [Fact]
    public async Task ReviewProxy_IsH264_ConstantFrameRate_IndexFirst_AndSeekable()
    {
        var uploaded = await app.UploadOkAsync(TestPaths.Video("k400_archery.avi"));
        await app.WaitUntilFinishedAsync(uploaded.Id);
        using var client = app.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/videos/{uploaded.Id}/proxy.mp4");
        request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(0, 99);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        var proxy = Path.Combine(app.Media.Path, "videos", uploaded.Id.ToString("N"), "proxy.mp4");
        var bytes = File.ReadAllBytes(proxy);
        Assert.True(IndexOf(bytes, "moov"u8) < IndexOf(bytes, "mdat"u8), "faststart: the index comes before the media data");
        var (codec, rFrameRate, avgFrameRate) = StreamRates(proxy);
        Assert.Equal("h264", codec);
        Assert.Equal(rFrameRate, avgFrameRate);
        // A key picture at least every 2 s, so a seek decodes at most 2 s of frames.
        var keyTimes = Run("ffprobe", "-v", "error", "-select_streams", "v:0", "-skip_frame", "nokey", "-show_entries", "frame=pts_time", "-of", "csv=p=0", proxy)
            .Split('\n').Select(line => line.Trim().TrimEnd(',')).Where(line => line.Length > 0) // ffprobe adds a comma and blank lines
            .Select(t => double.Parse(t, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.True(keyTimes.Count >= 3, $"key pictures at {string.Join(", ", keyTimes)} in a 5.2 s clip");
        Assert.All(keyTimes.Zip(keyTimes.Skip(1)), pair => Assert.InRange(pair.Second - pair.First, 0, 2.05));
        // The proxy's picture is recorded on the video as ffprobe reads it: the later stages decode by it, unprobed.
        var probed = await FfmpegProbe.ProbeAsync(proxy);
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var recorded = (await db.Videos.SingleAsync(v => v.Id == uploaded.Id)).Proxy;
        Assert.Equal(new ProxyPicture(probed.Width, probed.Height, probed.Fps, probed.FrameCount), recorded);
    }

    [Fact]
    public async Task ClipWithNobody_EndsSucceeded_WithAnEmptyTimeline_AndANote()
    {
        using var temp = new TempDirectory();
        var empty = Path.Combine(temp.Path, "empty-room.mp4");
        Run("ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=10:duration=3", "-pix_fmt", "yuv420p", empty);
        var uploaded = await app.UploadOkAsync(empty);

        var video = await app.WaitUntilFinishedAsync(uploaded.Id);

        Assert.Equal(VideoStatus.Succeeded, video.Status);
        var timeline = await app.GetJsonAsync<TimelineDto>($"/api/videos/{uploaded.Id}/timeline");
        Assert.Empty(timeline.Tracks);
        Assert.Contains("Nobody", timeline.Note, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Poses_ByTimeRange_ReturnsOnlyThoseFrames_WithTrackIds()
    {
        var uploaded = await app.UploadOkAsync(TestPaths.Video("tfjs_pose_1.mp4"));
        await app.WaitUntilFinishedAsync(uploaded.Id);

        var poses = await app.GetJsonAsync<JsonElement>($"/api/videos/{uploaded.Id}/poses?from=1&to=2");

        Assert.Equal("coco17", poses.GetProperty("layout").GetString());
        Assert.Equal(576, poses.GetProperty("width").GetInt32());
        var frames = poses.GetProperty("frames").EnumerateArray().ToList();
        Assert.InRange(frames.Count, 9, 11); // 10 fps analysis over one second
        Assert.All(frames, f => Assert.InRange(f.GetProperty("time").GetDouble(), 1 - 1e-6, 2 + 1e-6));
        var person = frames[0].GetProperty("persons")[0];
        Assert.Equal(1, person.GetProperty("trackId").GetInt32());
        Assert.Equal(17, person.GetProperty("keypoints").GetArrayLength());
    }

    [Fact]
    public async Task Exports_CsvAndVtt_ListEverySegment()
    {
        var uploaded = await app.UploadOkAsync(TestPaths.Video("basketball_two_people.mp4"));
        await app.WaitUntilFinishedAsync(uploaded.Id);
        var timeline = await app.GetJsonAsync<TimelineDto>($"/api/videos/{uploaded.Id}/timeline");
        var segments = timeline.Tracks.Sum(t => t.Segments.Count);
        using var client = app.CreateClient();

        var csv = await client.GetStringAsync(new Uri($"/api/videos/{uploaded.Id}/timeline.csv", UriKind.Relative));
        var vtt = await client.GetStringAsync(new Uri($"/api/videos/{uploaded.Id}/timeline.vtt", UriKind.Relative));

        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("track_id,start_seconds,end_seconds,label,confidence,top_k", lines[0]);
        Assert.Equal(segments, lines.Length - 1);
        Assert.StartsWith("WEBVTT", vtt, StringComparison.Ordinal);
        Assert.Equal(segments, vtt.Split("-->").Length - 1);
    }

    [Fact]
    public async Task Reprocess_MakesASecondRun_AndKeepsTheFirst()
    {
        var uploaded = await app.UploadOkAsync(TestPaths.Video("tfjs_pose_1.mp4"));
        await app.WaitUntilFinishedAsync(uploaded.Id);
        var first = await app.GetJsonAsync<TimelineDto>($"/api/videos/{uploaded.Id}/timeline");
        using var client = app.CreateClient();

        using var response = await client.PostAsync(new Uri($"/api/videos/{uploaded.Id}/reprocess", UriKind.Relative), JsonContent.Create(new { }));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(VideoStatus.Succeeded, (await app.WaitUntilFinishedAsync(uploaded.Id)).Status);
        var second = await app.GetJsonAsync<TimelineDto>($"/api/videos/{uploaded.Id}/timeline");
        Assert.NotEqual(first.RunId, second.RunId);
        var again = await app.GetJsonAsync<TimelineDto>($"/api/videos/{uploaded.Id}/timeline?run={first.RunId}");
        Assert.Equal(first.Tracks.Count, again.Tracks.Count);
    }

    [Fact]
    public async Task Cancel_StopsTheRunWithinSeconds_AndNothingRunsOn()
    {
        var uploaded = await app.UploadOkAsync(TestPaths.Video("one-by-one-person-detection.mp4"));
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while ((await app.GetVideoAsync(uploaded.Id)).Stage is not ("proxy" or "poses") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        using var client = app.CreateClient();
        var stopwatch = Stopwatch.StartNew();
        using var response = await client.PostAsync(new Uri($"/api/videos/{uploaded.Id}/cancel", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(VideoStatus.Canceled, (await app.GetVideoAsync(uploaded.Id)).Status);
        // The running stage notices within its 2 s report interval and kills ffmpeg; no ffmpeg works on this video then.
        while (FfmpegWorksOn(uploaded.Id) && stopwatch.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(200);
        }

        Assert.False(FfmpegWorksOn(uploaded.Id), "ffmpeg still runs on the canceled video");
        await Task.Delay(3000);
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var run = await db.Runs.AsNoTracking().SingleAsync(r => r.VideoId == uploaded.Id);
        Assert.Equal(RunStatus.Canceled, run.Status);
        Assert.Equal(VideoStatus.Canceled, (await app.GetVideoAsync(uploaded.Id)).Status);
    }

    private static bool FfmpegWorksOn(Guid videoId)
    {
        var needle = videoId.ToString("N");
        foreach (var dir in Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
        {
            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline"));
                if (cmdline.StartsWith("ffmpeg", StringComparison.Ordinal) && cmdline.Contains(needle, StringComparison.Ordinal))
                {
                    return true;
                }
            }
            catch (IOException)
            {
                // the process ended meanwhile
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return false;
    }

    private static (string Codec, string RFrameRate, string AvgFrameRate) StreamRates(string path)
    {
        var output = Run("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=codec_name,r_frame_rate,avg_frame_rate", "-of", "json", path);
        var stream = JsonDocument.Parse(output).RootElement.GetProperty("streams")[0];
        return (stream.GetProperty("codec_name").GetString()!, stream.GetProperty("r_frame_rate").GetString()!, stream.GetProperty("avg_frame_rate").GetString()!);
    }

    /// <summary>The MD5 of a video's coded picture data (ffmpeg's md5 muxer over the copied stream).</summary>
    private static string PictureHash(string path) => Run("ffmpeg", "-v", "error", "-i", path, "-map", "0:v:0", "-c", "copy", "-f", "md5", "-").Trim();

    private static int IndexOf(byte[] data, ReadOnlySpan<byte> needle) => data.AsSpan().IndexOf(needle) is var i and >= 0 ? i : int.MaxValue;

    private static string Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program, args) { RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        return output;
    }
}
