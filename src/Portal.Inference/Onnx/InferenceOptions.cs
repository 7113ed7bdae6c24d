namespace Portal.Inference.Onnx;

/// <summary>Where ONNX Runtime runs a model.</summary>
public enum ExecutionProvider
{
    Cpu,
    Cuda,
}

/// <summary>Options of every ONNX Runtime session Portal creates (configuration section <c>Portal:Inference</c>).</summary>
public sealed class InferenceOptions
{
    public const string SectionName = "Portal:Inference";

    /// <summary>
    /// The provider asked for. <see cref="ExecutionProvider.Cuda"/> needs the GPU build; where CUDA cannot be used the
    /// sessions run on the CPU and <see cref="OnnxSessionFactory.EffectiveProvider"/> says why (docs/deploy.md).
    /// </summary>
    public ExecutionProvider ExecutionProvider { get; set; } = ExecutionProvider.Cpu;

    /// <summary>Threads inside one operator; 0 lets ONNX Runtime choose (one per physical core).</summary>
    public int IntraOpThreads { get; set; }

    /// <summary>CUDA device id when <see cref="ExecutionProvider"/> is <see cref="ExecutionProvider.Cuda"/>.</summary>
    public int CudaDeviceId { get; set; }
}
