using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Portal.Inference.Onnx;

namespace Portal.Jobs.Hosting;

/// <summary>
/// Decides the worker's execution provider when it starts rather than at its first video, so a worker asked for CUDA
/// on a machine where CUDA cannot be used says so (one warning from <see cref="OnnxSessionFactory"/>) before it takes
/// any job, and its log names the provider it runs on.
/// </summary>
public sealed class InferenceProviderCheck(OnnxSessionFactory sessions, ILogger<InferenceProviderCheck> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        logger.LogInformation("Inference runs on {Provider}", sessions.EffectiveProvider);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
