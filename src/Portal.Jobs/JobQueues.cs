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

    /// <summary>
    /// PyTorch fine-tuning (issue 15): served only by workers that name it (`./portal worker --queues training`), never
    /// by a worker with no queues configured, because it needs Debian's python3-torch and hours of CPU at worst.
    /// </summary>
    public const string Training = "training";

    /// <summary>What a worker with no queues configured serves.</summary>
    public static readonly string[] All = [Media, Inference, Default];

    /// <summary>Every queue a worker may name.</summary>
    public static readonly string[] Known = [Media, Inference, Default, Training];
}
