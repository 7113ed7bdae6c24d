using Portal.Inference.Frames;
using Portal.Inference.ModelCards;
using Portal.Inference.Onnx;
using Portal.Inference.Pose;

namespace Portal.Inference.Tests.Pose;

public class PoseEstimatorGroupTests
{
    private static readonly OnnxSessionFactory Sessions = new(new InferenceOptions { IntraOpThreads = 1 });

    [Fact]
    public async Task AnEstimatorsError_EndsThatFramesTask_AndTheLaneGoesOn()
    {
        var card = PoseModelCard.Load(TestPaths.PoseCard("movenet-multipose"));
        using var first = new PoseEstimator(card, Sessions);
        using var second = new PoseEstimator(card, Sessions);
        using var group = new PoseEstimatorGroup([first, second]);
        var black = new RgbFrame(0, 0, 64, 48, new byte[64 * 48 * 3]);

        var tooShort = group.EstimateAsync(black with { Rgb = new byte[10] }); // lane 0
        var fine = group.EstimateAsync(black with { Index = 1 });                 // lane 1
        var afterError = group.EstimateAsync(black with { Index = 2 });           // lane 0 again

        await Assert.ThrowsAsync<ArgumentException>(() => tooShort);
        Assert.Empty(await fine);
        Assert.Empty(await afterError);
    }

    [Fact]
    public async Task Dispose_LetsTheLanesFinishTheFramesQueued_BeforeItReturns()
    {
        var card = PoseModelCard.Load(TestPaths.PoseCard("movenet-multipose"));
        using var first = new PoseEstimator(card, Sessions);
        using var second = new PoseEstimator(card, Sessions);
        var group = new PoseEstimatorGroup([first, second]);
        var frames = Enumerable.Range(0, 6).Select(i => new RgbFrame(i, i, 64, 48, new byte[64 * 48 * 3])).ToList();

        var tasks = frames.Select(group.EstimateAsync).ToList();
        group.Dispose();

        // Nothing runs on the estimators any more: their times stand still, and every frame has its result.
        Assert.All(tasks, t => Assert.True(t.IsCompletedSuccessfully));
        var times = (first.Times, second.Times);
        await Task.Delay(50);
        Assert.Equal(times, (first.Times, second.Times));
        Assert.True(first.Times.Inference > 0 && second.Times.Inference > 0, "both lanes ran frames");
    }
}
