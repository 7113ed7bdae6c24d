using Portal.Inference.Frames;
using Portal.Inference.ModelCards;
using Portal.Inference.Onnx;
using Portal.Inference.Pose;

namespace Portal.Inference.Tests.Frames;

public class FrameReadAheadTests
{
    [Fact]
    public async Task ReadAhead_GivesExactlyTheSamePoses_AsTheSequentialReader_OnARealClip()
    {
        // As the poses stage reads: MultiPose over the two-player clip at 10 fps, scaled to 640 wide. Inference is
        // slower than decoding, so the channel is full most of the time and every buffer gets reused.
        using var estimator = new PoseEstimator(PoseModelCard.Load(TestPaths.PoseCard("movenet-multipose")), new OnnxSessionFactory(new InferenceOptions()));
        var options = new FrameReaderOptions { Fps = 10, Width = 640 };
        var path = TestPaths.Video("basketball_two_people.mp4");

        var sequential = await PosesAsync(estimator, FfmpegFrameReader.ReadAsync(path, options));
        var readAhead = await PosesAsync(estimator, FfmpegFrameReader.ReadAsync(path, options).ReadAheadAsync(4));

        Assert.True(sequential.Count > 50, $"only {sequential.Count} frames");
        Assert.Equal(sequential.Count, readAhead.Count);
        for (var i = 0; i < sequential.Count; i++)
        {
            Assert.True(sequential[i] == readAhead[i], $"frame {i} differs: {sequential[i]} vs {readAhead[i]}");
        }
    }

    [Fact]
    public async Task ThreeFramesInFlight_GiveExactlyTheSamePoses_AsOneEstimatorFrameByFrame()
    {
        // As the poses stage runs with several frames in flight: three lanes, frames dealt to them in turn.
        var card = PoseModelCard.Load(TestPaths.PoseCard("movenet-multipose"));
        var sessions = new OnnxSessionFactory(new InferenceOptions { IntraOpThreads = 1 });
        using var first = new PoseEstimator(card, sessions);
        using var second = new PoseEstimator(card, sessions);
        using var third = new PoseEstimator(card, sessions);
        var options = new FrameReaderOptions { Fps = 10, Width = 640 };
        var path = TestPaths.Video("basketball_two_people.mp4");

        var sequential = await PosesAsync(first, FfmpegFrameReader.ReadAsync(path, options));
        using var group = new PoseEstimatorGroup([first, second, third]);
        // Six posted at a time, each held by the read-ahead until six more are asked for, as the stage does.
        var inFlight = new List<string>();
        await foreach (var (frame, people) in group.EstimateAllAsync(FfmpegFrameReader.ReadAsync(path, options).ReadAheadAsync(4, hold: 6), posted: 6))
        {
            inFlight.Add(Describe(frame, people));
        }

        Assert.True(sequential.Count > 50, $"{sequential.Count} frames");
        Assert.Equal(sequential, inFlight);
    }

    [Fact]
    public async Task ReadAhead_KeepsHeldFramesIntact_AndAtMostDepthPlusHoldPlusOneBuffers()
    {
        var buffers = new HashSet<byte[]>(ReferenceEqualityComparer.Instance);
        var held = new List<RgbFrame>();
        await foreach (var frame in Frames(200).ReadAheadAsync(3, hold: 3))
        {
            Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(frame.Rgb, out var segment));
            buffers.Add(segment.Array!);
            held.Add(frame);
            if (held.Count == 3)
            {
                // The three frames in hand still hold their own content: none was handed back for a later frame.
                Assert.All(held, f => Assert.Equal((byte)f.Index, f.Rgb.Span[0]));
                held.Clear();
            }
        }

        Assert.InRange(buffers.Count, 3, 7);
    }

    [Fact]
    public async Task ReadAhead_HoldsAtMostDepthPlusTwoBuffers_HoweverLongTheSource()
    {
        var buffers = new HashSet<byte[]>(ReferenceEqualityComparer.Instance);
        var index = 0;
        await foreach (var frame in Frames(200).ReadAheadAsync(3))
        {
            Assert.Equal(index, frame.Index);
            Assert.Equal((byte)index, frame.Rgb.Span[0]); // the content of this frame, not of a later one
            Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(frame.Rgb, out var segment));
            buffers.Add(segment.Array!);
            index++;
        }

        Assert.Equal(200, index);
        Assert.InRange(buffers.Count, 1, 5);
    }

    [Fact]
    public async Task ReadAhead_ThrowsTheSourcesError_AfterTheFramesReadBeforeIt()
    {
        var seen = 0;
        var error = await Assert.ThrowsAsync<FfmpegException>(async () =>
        {
            await foreach (var frame in Frames(3, new FfmpegException("ffmpeg stopped in the middle of frame 3")).ReadAheadAsync(4))
            {
                seen++;
            }
        });

        Assert.Equal(3, seen);
        Assert.Contains("frame 3", error.Message);
    }

    [Fact]
    public async Task ReadAhead_StopsTheReadingTask_WhenTheConsumerStopsEarly()
    {
        var source = new StoppableSource();
        await foreach (var frame in source.ReadAsync().ReadAheadAsync(2))
        {
            if (frame.Index == 1)
            {
                break;
            }
        }

        // The enumeration has returned, so the reading task has ended: the source was told to stop.
        Assert.True(source.Stopped);
    }

    // A frame's poses as text with every float's exact bits (round-trip format): equal text, identical poses.
    private static async Task<List<string>> PosesAsync(PoseEstimator estimator, IAsyncEnumerable<RgbFrame> frames)
    {
        var result = new List<string>();
        await foreach (var frame in frames)
        {
            result.Add(Describe(frame, estimator.Estimate(frame.Rgb.Span, frame.Width, frame.Height)));
        }

        return result;
    }

    private static string Describe(RgbFrame frame, IReadOnlyList<PosePerson> people) =>
        $"{frame.Index}: " + string.Join(" | ", people.Select(p =>
            $"{p.Box?.X1:R},{p.Box?.Y1:R},{p.Box?.X2:R},{p.Box?.Y2:R},{p.Box?.Score:R};" +
            string.Join(';', p.Keypoints.Select(k => $"{k.X:R},{k.Y:R},{k.Score:R}"))));

    // Frames of 16 bytes whose content is their index, in one reused buffer as FfmpegFrameReader delivers them.
    private static async IAsyncEnumerable<RgbFrame> Frames(int count, Exception? thenThrow = null)
    {
        var buffer = new byte[16];
        for (var i = 0; i < count; i++)
        {
            await Task.Yield();
            Array.Fill(buffer, (byte)i);
            yield return new RgbFrame(i, i / 10.0, 4, 1, buffer);
        }

        if (thenThrow is not null)
        {
            throw thenThrow;
        }
    }

    private sealed class StoppableSource
    {
        public bool Stopped { get; private set; }

        public async IAsyncEnumerable<RgbFrame> ReadAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var buffer = new byte[16];
            try
            {
                for (var i = 0; ; i++)
                {
                    await Task.Delay(1, cancellationToken);
                    yield return new RgbFrame(i, i / 10.0, 4, 1, buffer);
                }
            }
            finally
            {
                Stopped = true;
            }
        }
    }
}
