using Microsoft.Extensions.Options;
using Portal.Inference.Onnx;

namespace Portal.UnitTests;

/// <summary>The pipeline's <see cref="PipelineOptions.PoseInputFitsFrame"/> reaches the estimators a poses stage rents.</summary>
public class PoseInputOptionTests
{
    [Theory]
    [InlineData(null, 256, 256)] // the shipped card: a square
    [InlineData(true, 256, 160)]
    [InlineData(false, 256, 256)]
    public void RentedEstimators_RunTheInputTheOptionsSay(bool? fitsFrame, int width, int height)
    {
        TestPaths.PoseCard("movenet-multipose");
        using var registry = Registry(new PipelineOptions { ModelsRoot = TestPaths.ModelsRoot, PoseInputFitsFrame = fitsFrame });

        using var lease = registry.RentPoseEstimators("movenet-multipose", oneAtATime: true);

        Assert.Equal((width, height), Assert.Single(lease.Estimators).InputShapeFor(768, 432));
    }

    [Fact]
    public void AFrameShapedInput_ForASinglePoseModel_IsAPipelineFailureThatSaysWhy()
    {
        TestPaths.PoseCard("movenet-lightning");
        using var registry = Registry(new PipelineOptions { ModelsRoot = TestPaths.ModelsRoot, PoseInputFitsFrame = true });

        var failure = Assert.Throws<PipelineFailure>(() => registry.RentPoseEstimators("movenet-lightning", oneAtATime: true));

        Assert.Contains("MultiPose", failure.Message, StringComparison.Ordinal);
    }

    // The database and the registered versions are not touched by renting pose estimators.
    private static ModelRegistry Registry(PipelineOptions options) =>
        new(Options.Create(options), new OnnxSessionFactory(new InferenceOptions { IntraOpThreads = 1 }), null!, null!);
}
