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
    /// Frames a poses stage runs through the pose model at once, each in a session of its own
    /// (<c>PoseEstimatorGroup</c>). 0: decided as each stage starts (<see cref="FramesInFlightFor"/>).
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
    /// Sets <see cref="IntraOpThreads"/> when left at 0, for a worker whose jobs each have <paramref name="coresPerJob"/>
    /// (<see cref="CoresPerJob"/>). On the CPU one thread, the cores being used by running frames side by side instead
    /// (two single-threaded sessions on alternate frames ran the 139 s clip's floor 1.17× faster than one session with
    /// two threads; docs/decisions/0019), or the job's share divided by a configured <see cref="FramesInFlight"/>. On
    /// CUDA the job's share, as before.
    /// </summary>
    public void FillJobShare(int coresPerJob)
    {
        if (IntraOpThreads == 0)
        {
            IntraOpThreads = ExecutionProvider == ExecutionProvider.Cuda ? Math.Max(1, coresPerJob)
                : FramesInFlight > 0 ? Math.Max(1, coresPerJob / FramesInFlight) : 1;
        }
    }

    /// <summary>
    /// The frames in flight of a poses stage that starts while <paramref name="stagesRunning"/> poses stages (itself
    /// included) share the worker's <paramref name="cores"/>: as configured, else the cores divided between those
    /// stages and by <see cref="IntraOpThreads"/>, at least one. A video processed alone gets every core, two at once
    /// get half each (a stage keeps what it got until it ends, so a third arriving meanwhile runs beside them on what
    /// is left, at least one frame). On CUDA one frame at a time: the device is the limit, and each more session would
    /// hold another copy of the model on it.
    /// </summary>
    public int FramesInFlightFor(int cores, int stagesRunning) =>
        FramesInFlight > 0 ? FramesInFlight
        : ExecutionProvider == ExecutionProvider.Cuda ? 1
        : Math.Max(1, cores / Math.Max(1, stagesRunning) / Math.Max(1, IntraOpThreads));

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
