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
    /// Threads inside one operator of one session. 0: a worker sets it by <see cref="FillJobShare"/> from the cores it
    /// has and the jobs it runs at once; elsewhere (the CLI) ONNX Runtime chooses, one per physical core.
    /// </summary>
    public int IntraOpThreads { get; set; }

    /// <summary>
    /// Frames the poses stage runs through the pose model at once, each in a session of its own
    /// (<c>PoseEstimatorGroup</c>). 0: a worker sets it by <see cref="FillJobShare"/>; elsewhere 1.
    /// </summary>
    public int FramesInFlight { get; set; }

    /// <summary>
    /// The cores each of <paramref name="concurrentJobs"/> inference jobs sharing <paramref name="cores"/> logical CPUs
    /// gets: the cores split evenly, at least one each. ONNX Runtime's default gives every session a thread per core,
    /// so two jobs on two cores ran four spinning threads on two cores. The inter-op pool stays unused (sessions run
    /// sequentially: MoveNet is one chain of operators). docs/decisions/0018.
    /// </summary>
    public static int CoresPerJob(int cores, int concurrentJobs) => Math.Max(1, cores / Math.Max(1, concurrentJobs));

    /// <summary>
    /// Sets what is left at 0 of <see cref="FramesInFlight"/> and <see cref="IntraOpThreads"/> for a job with
    /// <paramref name="cores"/> to itself (<see cref="CoresPerJob"/>), so that frames × threads is its share. On the
    /// CPU, with neither configured: a frame per core, one thread each (two single-threaded sessions on alternate
    /// frames ran the 139 s clip's floor 1.17× faster than one session with two threads; docs/decisions/0019). With
    /// one configured, the other divides the share by it. On CUDA one frame at a time: the device is the limit, and each
    /// more session would hold another copy of the model on it.
    /// </summary>
    public void FillJobShare(int cores)
    {
        cores = Math.Max(1, cores);
        if (FramesInFlight == 0)
        {
            FramesInFlight = ExecutionProvider == ExecutionProvider.Cuda ? 1 : Math.Max(1, cores / Math.Max(1, IntraOpThreads));
        }

        if (IntraOpThreads == 0)
        {
            IntraOpThreads = Math.Max(1, cores / FramesInFlight);
        }
    }

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
