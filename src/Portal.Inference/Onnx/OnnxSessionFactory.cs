using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Portal.Inference.Onnx;

/// <summary>
/// Creates ONNX Runtime sessions with Portal's session options, all on one execution provider decided once.
/// CUDA is used only when it is asked for, the build carries the GPU runtime (build property <c>PortalGpu=true</c>,
/// package Microsoft.ML.OnnxRuntime.Gpu.Linux) and a session on the device really runs: a tiny model
/// (<c>cuda-probe.onnx</c>, y = x + x) is created and run on it first. Otherwise every session runs on the CPU and
/// one line through <paramref name="log"/> says why: a worker asked for CUDA falls back, it does not refuse to start
/// (docs/deploy.md, "GPU workers"). One factory per process (a DI singleton in the worker), so the line is written once.
/// </summary>
public sealed class OnnxSessionFactory
{
    private const string ProbeResource = "Portal.Inference.Onnx.cuda-probe.onnx";

    private readonly InferenceOptions _options;
    private readonly Action<string> _log;
    private readonly Lazy<(ExecutionProvider Provider, string Description)> _effective;

    public OnnxSessionFactory(InferenceOptions options, Action<string>? log = null)
    {
        _options = options;
        _log = log ?? (message => Console.Error.WriteLine(message));
        _effective = new Lazy<(ExecutionProvider, string)>(Decide, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The provider every session of this factory runs on.</summary>
    public ExecutionProvider ActiveProvider => _effective.Value.Provider;

    /// <summary>
    /// What an admin is shown: <c>CPU</c>, <c>CUDA (device 0)</c>, or <c>CPU (CUDA unavailable: reason)</c> when CUDA
    /// was asked for and could not be used.
    /// </summary>
    public string EffectiveProvider => _effective.Value.Description;

    /// <summary>The configured intra-op threads per session (0: ONNX Runtime's default).</summary>
    public int IntraOpThreads => _options.IntraOpThreads;

    /// <summary>Frames a poses stage starting now runs at once (<see cref="InferenceOptions.FramesInFlightFor"/> on this machine's cores).</summary>
    public int FramesInFlight(int poseStagesRunning) => _options.FramesInFlightFor(Environment.ProcessorCount, poseStagesRunning);

    public InferenceSession Create(string modelPath)
    {
        if (!File.Exists(modelPath))
        {
            throw new FileNotFoundException($"ONNX model not found at '{modelPath}'. Run './portal models' to install the models.", modelPath);
        }

        using var sessionOptions = CreateSessionOptions();
        return new InferenceSession(modelPath, sessionOptions);
    }

    public SessionOptions CreateSessionOptions() => CreateSessionOptions(ActiveProvider);

    private SessionOptions CreateSessionOptions(ExecutionProvider provider)
    {
        var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            EnableMemoryPattern = true,
            EnableCpuMemArena = true,
        };
        if (_options.IntraOpThreads > 0)
        {
            sessionOptions.IntraOpNumThreads = _options.IntraOpThreads;
        }

        if (!_options.AllowSpinning)
        {
            sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        }

        if (provider == ExecutionProvider.Cuda)
        {
            try
            {
                sessionOptions.AppendExecutionProvider_CUDA(_options.CudaDeviceId);
            }
            catch
            {
                sessionOptions.Dispose();
                throw;
            }
        }

        return sessionOptions;
    }

    private (ExecutionProvider, string) Decide()
    {
        if (_options.ExecutionProvider == ExecutionProvider.Cpu)
        {
            return (ExecutionProvider.Cpu, "CPU");
        }

        var problem = CudaProblem();
        if (problem is null)
        {
            return (ExecutionProvider.Cuda, $"CUDA (device {_options.CudaDeviceId})");
        }

        _log($"ONNX Runtime: CUDA was requested (device {_options.CudaDeviceId}) but cannot be used; running on the CPU. Reason: {problem}");
        return (ExecutionProvider.Cpu, $"CPU (CUDA unavailable: {problem})");
    }

    /// <summary>Why the probe model cannot run on CUDA, or null when it runs and computes 1.5 + 1.5 = 3.</summary>
    private string? CudaProblem()
    {
        using var stream = typeof(OnnxSessionFactory).Assembly.GetManifestResourceStream(ProbeResource)
            ?? throw new InvalidOperationException($"The embedded resource {ProbeResource} is missing from Portal.Inference.");
        using var model = new MemoryStream();
        stream.CopyTo(model);
        try
        {
            using var sessionOptions = CreateSessionOptions(ExecutionProvider.Cuda);
            using var session = new InferenceSession(model.ToArray(), sessionOptions);
            var input = new DenseTensor<float>(new[] { 1.5f }, [1]);
            using var results = session.Run([NamedOnnxValue.CreateFromTensor("x", input)]);
            var y = results[0].AsEnumerable<float>().Single();
            return y == 3f ? null : $"the CUDA probe computed 1.5 + 1.5 = {y}";
        }
        catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
        {
            return FirstLine(e.Message);
        }
    }

    private static string FirstLine(string text)
    {
        var end = text.IndexOfAny(['\r', '\n']);
        return (end < 0 ? text : text[..end]).Trim();
    }
}
