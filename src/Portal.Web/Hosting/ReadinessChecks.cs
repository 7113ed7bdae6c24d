using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Portal.Inference.Frames;
using Portal.Inference.ModelCards;
using Portal.Jobs.Pipeline;

namespace Portal.Web.Hosting;

/// <summary>
/// Healthy when the configured pose and action models load from their cards and every card under the models root
/// names an ONNX file that exists: without them every video fails at its first analysis stage.
/// </summary>
internal sealed class ModelsHealthCheck(ModelRegistry models, IOptions<PipelineOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var root = Path.GetFullPath(options.Value.ModelsRoot);
        try
        {
            var defaults = models.DescribeDefaults();
            var cards = ModelCatalog.List(root);
            var missing = cards.Where(c => !File.Exists(c.ModelPath)).Select(c => c.ModelPath).ToArray();
            if (missing.Length > 0)
            {
                return Task.FromResult(HealthCheckResult.Unhealthy($"Model files missing under {root}: {string.Join(", ", missing)}; run './portal models'."));
            }

            return Task.FromResult(HealthCheckResult.Healthy(
                $"{cards.Count} model card(s) under {root}; in use: {defaults.PoseModel} {defaults.PoseModelVersion}, {defaults.ActionModel} {defaults.ActionModelVersion}"));
        }
        catch (PipelineFailure e)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy(e.Message));
        }
    }
}

/// <summary>Healthy when ffmpeg and ffprobe start and answer <c>-version</c>: every upload is probed and converted with them.</summary>
internal sealed class FfmpegHealthCheck : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var versions = new List<string>();
        foreach (var executable in new[] { FfmpegProcess.Ffmpeg, FfmpegProcess.Ffprobe })
        {
            // A hung binary must not hang the probe that asks whether we are ready.
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            try
            {
                var (exitCode, output, errors) = await FfmpegProcess.RunToEndAsync(executable, ["-hide_banner", "-version"], timeout.Token);
                if (exitCode != 0)
                {
                    return HealthCheckResult.Unhealthy($"'{executable} -version' exited with {exitCode}: {errors}");
                }

                versions.Add(output.Split('\n', 2)[0].Trim());
            }
            catch (Exception e) when (e is FfmpegException or OperationCanceledException)
            {
                return HealthCheckResult.Unhealthy($"'{executable}' is not runnable: {e.Message}");
            }
        }

        return HealthCheckResult.Healthy(string.Join("; ", versions));
    }
}

/// <summary>The health endpoints: tags that choose the checks, and the JSON body of <c>/health/ready</c>.</summary>
internal static class PortalHealth
{
    /// <summary>Checks with this tag run on <c>/health/ready</c>; <c>/health</c> (liveness) runs none.</summary>
    public const string ReadyTag = "ready";

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Writes <c>{ status, checks: [{ name, status, description, seconds }] }</c> so an operator sees which check failed.</summary>
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.Select(e => new
            {
                name = e.Key,
                status = e.Value.Status.ToString(),
                description = e.Value.Description ?? e.Value.Exception?.Message,
                seconds = Math.Round(e.Value.Duration.TotalSeconds, 3),
            }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, JsonOptions));
    }
}
