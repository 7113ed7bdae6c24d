using Portal.Inference.Frames;

namespace Portal.Inference.Tests.Frames;

/// <summary>
/// Alone (no other test runs meanwhile): it counts every byte the process allocates during one call, so another test's
/// allocations would blur the figure.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationCountingCollection
{
    public const string Name = "allocation counting";
}

[Collection(AllocationCountingCollection.Name)]
public sealed class FramesAtMemoryTests
{
    [Fact]
    public async Task FramePageReader_PageAfterPage_DoesNotAllocateANewPageBufferEachTime()
    {
        var path = TestPaths.Video("tfjs_pose_1.mp4"); // 576 x 576: ~1 MB a frame, 8 MB a page
        var info = await FfmpegProbe.ProbeAsync(path);
        var frameBytes = info.Width * info.Height * 3;
        double[] page = [0.1, 0.5, 0.9, 1.3, 1.7, 2.1, 2.5, 2.9];
        var reader = new FramePageReader(path, info);
        await ReadAllAsync(); // the first call may allocate the page buffer

        var before = GC.GetTotalAllocatedBytes(precise: true);
        await ReadAllAsync();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.True(allocated < frameBytes, $"the second page allocated {allocated} bytes; one frame is {frameBytes}");

        async Task ReadAllAsync()
        {
            var frames = 0;
            await foreach (var frame in reader.ReadAsync(page))
            {
                Assert.Equal(frameBytes, frame.Rgb.Length);
                frames++;
            }

            Assert.Equal(page.Length, frames);
        }
    }
}
