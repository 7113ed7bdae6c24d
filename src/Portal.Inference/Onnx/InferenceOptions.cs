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

    /// <summary>
    /// Threads inside one operator of one session. 0: a worker sets it by <see cref="ThreadsPerJob"/> from the cores it
    /// has and the jobs it runs at once; elsewhere (the CLI) ONNX Runtime chooses, one per physical core.
    /// </summary>
    public int IntraOpThreads { get; set; }

    /// <summary>
    /// The intra-op threads for each of <paramref name="concurrentJobs"/> inference jobs sharing
    /// <paramref name="cores"/> logical CPUs: the cores split evenly, at least one each. ONNX Runtime's default gives
    /// every session a thread per core, so two jobs on two cores ran four spinning threads on two cores. The inter-op
    /// pool stays unused (sessions run sequentially: MoveNet is one chain of operators). docs/decisions/0018.
    /// </summary>
    public static int ThreadsPerJob(int cores, int concurrentJobs) => Math.Max(1, cores / Math.Max(1, concurrentJobs));

    /// <summary>
    /// Whether ONNX Runtime's intra-op threads spin while waiting for work (ONNX Runtime's own default) or sleep
    /// (<c>session.intra_op.allow_spinning</c> = 0, Portal's default). Spinning may save a little latency on an idle
    /// machine; on a busy one it burns the cores FFmpeg and the other jobs need: at load average 7 to 24 on 2 cores the
    /// poses stage and the floor ran twice as fast without it (docs/decisions/0018).
    /// </summary>
    public bool AllowSpinning { get; set; }

    /// <summary>CUDA device id when <see cref="ExecutionProvider"/> is <see cref="ExecutionProvider.Cuda"/>.</summary>
    public int CudaDeviceId { get; set; }
}
