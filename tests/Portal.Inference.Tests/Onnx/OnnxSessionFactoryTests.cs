using Portal.Inference.Onnx;

namespace Portal.Inference.Tests.Onnx;

public class OnnxSessionFactoryTests
{
    [Fact]
    public void Cuda_FallsBackToCpu_WithOneLogLine_WhenTheGpuRuntimeIsAbsent()
    {
        var lines = new List<string>();
        var factory = new OnnxSessionFactory(new InferenceOptions { ExecutionProvider = ExecutionProvider.Cuda }, lines.Add);

        using var sessionOptions = factory.CreateSessionOptions();

        // The tests run the CPU build, whose ONNX Runtime has no CUDA provider.
        Assert.Equal(ExecutionProvider.Cpu, factory.ActiveProvider);
        var line = Assert.Single(lines);
        Assert.Contains("running on the CPU", line, StringComparison.Ordinal);
        Assert.StartsWith("CPU (CUDA unavailable: ", factory.EffectiveProvider, StringComparison.Ordinal);
        Assert.EndsWith(")", factory.EffectiveProvider, StringComparison.Ordinal);
    }

    [Fact]
    public void Cuda_Unavailable_IsDecidedAndLoggedOnce_ForEverySessionOfTheFactory()
    {
        var lines = new List<string>();
        var factory = new OnnxSessionFactory(new InferenceOptions { ExecutionProvider = ExecutionProvider.Cuda }, lines.Add);

        using var first = factory.Create(Path.Combine(TestPaths.ModelsRoot, "actions", "actions-coco2d.onnx"));
        using var second = factory.Create(Path.Combine(TestPaths.ModelsRoot, "actions", "actions-coco2d.onnx"));

        Assert.Single(lines);
        Assert.Equal(ExecutionProvider.Cpu, factory.ActiveProvider);
    }

    [Fact]
    public void Cpu_LogsNothing()
    {
        var lines = new List<string>();
        var factory = new OnnxSessionFactory(new InferenceOptions(), lines.Add);

        using var sessionOptions = factory.CreateSessionOptions();

        Assert.Equal(ExecutionProvider.Cpu, factory.ActiveProvider);
        Assert.Equal("CPU", factory.EffectiveProvider);
        Assert.Empty(lines);
    }

    [Fact]
    public void Create_NamesTheMissingFile_AndTheCommandThatInstallsIt()
    {
        var factory = new OnnxSessionFactory(new InferenceOptions());

        var error = Assert.Throws<FileNotFoundException>(() => factory.Create("/nonexistent/model.onnx"));

        Assert.Contains("./portal models", error.Message, StringComparison.Ordinal);
    }
}
