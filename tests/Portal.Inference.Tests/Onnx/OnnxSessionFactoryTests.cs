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

        // This machine has neither the GPU package nor a GPU; where both exist this test is skipped by the CUDA build.
        Assert.Equal(ExecutionProvider.Cpu, factory.ActiveProvider);
        var line = Assert.Single(lines);
        Assert.Contains("running on the CPU", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Cpu_LogsNothing()
    {
        var lines = new List<string>();
        var factory = new OnnxSessionFactory(new InferenceOptions(), lines.Add);

        using var sessionOptions = factory.CreateSessionOptions();

        Assert.Equal(ExecutionProvider.Cpu, factory.ActiveProvider);
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
