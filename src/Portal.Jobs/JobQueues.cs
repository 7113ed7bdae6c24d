namespace Portal.Jobs;

/// <summary>
/// Hangfire queues by the kind of machine their work needs, so that CPU-only and GPU workers can split it:
/// a worker's <c>Portal:Worker:Queues</c> option says which it serves.
/// </summary>
public static class JobQueues
{
    /// <summary>FFmpeg work: probing, proxies, decoding.</summary>
    public const string Media = "media";

    /// <summary>ONNX Runtime work: pose and action models.</summary>
    public const string Inference = "inference";

    public const string Default = "default";

    public static readonly string[] All = [Media, Inference, Default];
}
