using Microsoft.ML.OnnxRuntime;

namespace Portal.Inference.Onnx;

/// <summary>
/// Creates ONNX Runtime sessions with Portal's session options. CUDA is used only when the build carries the
/// GPU runtime (build property <c>PortalGpu=true</c>, package Microsoft.ML.OnnxRuntime.Gpu) and a device answers;
/// otherwise the session falls back to the CPU and says so once through <paramref name="log"/>.
/// </summary>
public sealed class OnnxSessionFactory(InferenceOptions options, Action<string>? log = null)
{
    private readonly Action<string> _log = log ?? (message => Console.Error.WriteLine(message));

    /// <summary>The provider the last created session actually runs on.</summary>
    public ExecutionProvider ActiveProvider { get; private set; } = ExecutionProvider.Cpu;

    public InferenceSession Create(string modelPath)
    {
        if (!File.Exists(modelPath))
        {
            throw new FileNotFoundException($"ONNX model not found at '{modelPath}'. Run './portal models' to install the models.", modelPath);
        }

        using var sessionOptions = CreateSessionOptions();
        return new InferenceSession(modelPath, sessionOptions);
    }

    public SessionOptions CreateSessionOptions()
    {
        var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            EnableMemoryPattern = true,
            EnableCpuMemArena = true,
        };
        if (options.IntraOpThreads > 0)
        {
            sessionOptions.IntraOpNumThreads = options.IntraOpThreads;
        }

        ActiveProvider = ExecutionProvider.Cpu;
        if (options.ExecutionProvider == ExecutionProvider.Cuda)
        {
            try
            {
                sessionOptions.AppendExecutionProvider_CUDA(options.CudaDeviceId);
                ActiveProvider = ExecutionProvider.Cuda;
            }
            catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
            {
                _log($"ONNX Runtime: CUDA was requested but is not available in this build or on this machine ({FirstLine(e.Message)}); running on the CPU.");
            }
        }

        return sessionOptions;
    }

    private static string FirstLine(string text)
    {
        var end = text.IndexOfAny(['\r', '\n']);
        return end < 0 ? text : text[..end];
    }
}
