using Portal.Inference.Frames;

namespace Portal.Inference.Tests.Frames;

public class FfmpegFrameReaderTests
{
    [Fact]
    public async Task ReadAsync_YieldsEveryFrame_AtTheSourceSizeAndRate()
    {
        var count = 0;
        var lastTime = -1.0;
        await foreach (var frame in FfmpegFrameReader.ReadAsync(TestPaths.Video("tfjs_pose_1.mp4")))
        {
            Assert.Equal(count, frame.Index);
            Assert.Equal((576, 576), (frame.Width, frame.Height));
            Assert.Equal(576 * 576 * 3, frame.Rgb.Length);
            Assert.True(frame.Time > lastTime);
            lastTime = frame.Time;
            count++;
        }

        Assert.Equal(120, count);
        Assert.Equal(119 / 30.0, lastTime, 6);
    }

    [Fact]
    public async Task ReadAsync_ResamplesTheRate_AndScalesKeepingTheAspectRatio()
    {
        var options = new FrameReaderOptions { Fps = 10, Width = 170 };
        var frames = new List<RgbFrame>();
        await foreach (var frame in FfmpegFrameReader.ReadAsync(TestPaths.Video("k400_arm_wrestling.mp4"), options))
        {
            frames.Add(frame);
        }

        // 340x256 at 28 fps for 10 s -> 170x128 at 10 fps: about 100 frames.
        Assert.InRange(frames.Count, 98, 102);
        Assert.All(frames, f => Assert.Equal((170, 128), (f.Width, f.Height)));
        Assert.Equal(0.5, frames[5].Time, 6);
    }

    [Fact]
    public async Task ReadAsync_ReusesOneBuffer_SoMemoryDoesNotGrowWithTheVideo()
    {
        ReadOnlyMemory<byte>? first = null;
        await foreach (var frame in FfmpegFrameReader.ReadAsync(TestPaths.Video("tfjs_pose_1.mp4")))
        {
            first ??= frame.Rgb;
            Assert.True(frame.Rgb.Span == first.Value.Span, "every frame should be delivered in the same buffer");
        }
    }

    [Fact]
    public async Task ReadAsync_StopsAndKillsFfmpeg_WhenCancelled()
    {
        using var cancellation = new CancellationTokenSource();
        var seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var frame in FfmpegFrameReader.ReadAsync(TestPaths.Video("one-by-one-person-detection.mp4"), cancellationToken: cancellation.Token))
            {
                if (++seen == 3)
                {
                    await cancellation.CancelAsync();
                }
            }
        });
        Assert.Equal(3, seen);
    }

    [Fact]
    public async Task ReadAsync_FailsWithFfmpegsMessage_OnAFileThatIsNotAVideo()
    {
        using var temp = new TempDirectory();
        var path = temp.File("random.mp4");
        var bytes = new byte[64 * 1024];
        new Random(42).NextBytes(bytes);
        await File.WriteAllBytesAsync(path, bytes);

        var error = await Assert.ThrowsAsync<FfmpegException>(async () =>
        {
            await foreach (var _ in FfmpegFrameReader.ReadAsync(path))
            {
            }
        });

        Assert.Contains("random.mp4", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_NamesTheMissingFile()
    {
        var error = await Assert.ThrowsAsync<FileNotFoundException>(async () =>
        {
            await foreach (var _ in FfmpegFrameReader.ReadAsync("/nonexistent/clip.mp4"))
            {
            }
        });

        Assert.Contains("/nonexistent/clip.mp4", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProbeAsync_ReadsSizeRateAndFrameCount()
    {
        var info = await FfmpegProbe.ProbeAsync(TestPaths.Video("basketball_two_people.mp4"));

        Assert.Equal((426, 240), (info.Width, info.Height));
        Assert.Equal(29.97, info.Fps, 2);
    }

    [Fact]
    public async Task ReadFramesAtAsync_GivesTheFrameNearestEachTime_InTheOrderAsked_AcrossSeveralProcesses()
    {
        var path = TestPaths.Video("tfjs_pose_1.mp4"); // 120 frames at 30 fps
        var every = new List<byte[]>();
        await foreach (var frame in FfmpegFrameReader.ReadAsync(path))
        {
            every.Add(frame.Rgb.ToArray());
        }

        var info = await FfmpegProbe.ProbeAsync(path);
        // More times than one process serves, out of order, one repeated, between frames, and past the end.
        double[] times = [2.0, 0.0, 119 / 30.0, 1.01, 0.5, 3.3, 0.0166, 1.49, 2.0, 0.1, 7.5];
        int[] expected = [60, 0, 119, 30, 15, 99, 0, 45, 60, 3, 119];
        Assert.True(times.Length > FfmpegFrameReader.FramesPerProcess);

        var index = 0;
        await foreach (var frame in FfmpegFrameReader.ReadFramesAtAsync(path, info, times))
        {
            Assert.Equal(index, frame.Index);
            Assert.Equal(times[index], frame.Time);
            Assert.Equal((576, 576), (frame.Width, frame.Height));
            Assert.True(frame.Rgb.Span.SequenceEqual(every[expected[index]]), $"time {times[index]} s: not frame {expected[index]}");
            index++;
        }

        Assert.Equal(times.Length, index);
    }

    [Fact]
    public async Task FramePageReader_TwoReaders_KeepTheirPagesApart_WhileOneReadsAheadOfTheOther()
    {
        var path = TestPaths.Video("tfjs_pose_1.mp4");
        var info = await FfmpegProbe.ProbeAsync(path);
        var every = new List<byte[]>();
        await foreach (var frame in FfmpegFrameReader.ReadAsync(path))
        {
            every.Add(frame.Rgb.ToArray());
        }

        // As the keyframe stage does: the second page (no larger than the first) is read while the first is in use.
        var (first, second) = (new FramePageReader(path, info), new FramePageReader(path, info));
        var page1 = await first.ReadPageAsync([1.0, 0.0, 0.5]);
        var reading = second.ReadPageAsync([2.0, 3.0]);
        Assert.True(page1[0].Rgb.Span.SequenceEqual(every[30]) && page1[1].Rgb.Span.SequenceEqual(every[0]), "the first page changed");
        var page2 = await reading;

        Assert.Equal([0, 1], page2.Select(f => f.Index));
        Assert.True(page2[0].Rgb.Span.SequenceEqual(every[60]) && page2[1].Rgb.Span.SequenceEqual(every[90]), "not the second page's frames");
        Assert.True(page1[0].Rgb.Span.SequenceEqual(every[30]), "reading the second page overwrote the first");
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => first.ReadPageAsync(new double[FfmpegFrameReader.FramesPerProcess + 1]));
    }

    [Fact]
    public async Task ReadFramesAtAsync_FailsWithFfmpegsMessage_OnAFileThatIsNotAVideo()
    {
        using var temp = new TempDirectory();
        var path = temp.File("text.mp4");
        await File.WriteAllTextAsync(path, "not a video");

        var error = await Assert.ThrowsAsync<FfmpegException>(async () =>
        {
            await foreach (var _ in FfmpegFrameReader.ReadFramesAtAsync(path, new VideoInfo { Width = 16, Height = 16, Fps = 10, FrameCount = 10 }, [0.5]))
            {
            }
        });
        Assert.Contains("text.mp4", error.Message, StringComparison.Ordinal);
        Assert.Contains("Invalid data", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadFramesAtAsync_NamesTheTime_ThatHasNoFrame_WhenTheFrameCountIsUnknown()
    {
        var path = TestPaths.Video("ucf101_v_CricketShot_g04_c01_rgb.gif"); // 3.2 s
        var info = await FfmpegProbe.ProbeAsync(path) with { FrameCount = null }; // as for a file that does not say
        var frames = 0;

        var error = await Assert.ThrowsAsync<FfmpegException>(async () =>
        {
            await foreach (var _ in FfmpegFrameReader.ReadFramesAtAsync(path, info, [0.5, 99.0, 1.0]))
            {
                frames++;
            }
        });

        Assert.Equal(0, frames); // the batch is checked before any of it is handed out
        Assert.Contains("no frame at 99 s", error.Message, StringComparison.Ordinal);
    }
}
