using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using Portal.Jobs.Hosting;

namespace Portal.Jobs.Monitoring;

/// <summary>
/// The portal's own instruments (meter <see cref="MeterName"/>), recorded where the work happens: the stage metrics in
/// whichever process runs the stage (the web app with an in-process worker, or a stand-alone worker), the queue
/// depths by the web app (<see cref="ObserveQueueDepths"/>), which every scrape reads from Hangfire's storage.
/// </summary>
public sealed class PortalMetrics
{
    public const string MeterName = "Portal";

    private readonly Meter _meter;
    private readonly Histogram<double> _stageDuration;
    private readonly Counter<long> _analysedFrames;
    private readonly Histogram<double> _framesPerSecond;
    private readonly Counter<long> _failures;

    public PortalMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(MeterName);
        _stageDuration = _meter.CreateHistogram<double>("portal.stage.duration", "s", "Wall time of one successful execution of a pipeline stage.");
        _analysedFrames = _meter.CreateCounter<long>("portal.stage.analysed_frames", "{frame}", "Video frames analysed, by stage.");
        _framesPerSecond = _meter.CreateHistogram<double>("portal.stage.frames_per_second", "{frame}/s", "Analysed frames per second of wall time of one stage execution.");
        _failures = _meter.CreateCounter<long>("portal.stage.failures", "{failure}", "Stage executions that failed, by stage and reason class.");
    }

    /// <summary>A stage ended well after <paramref name="duration"/>, having analysed <paramref name="frames"/> frames (0: a stage that decodes none).</summary>
    public void StageCompleted(string stage, TimeSpan duration, int frames)
    {
        var tag = new KeyValuePair<string, object?>("stage", stage);
        _stageDuration.Record(duration.TotalSeconds, tag);
        if (frames > 0)
        {
            _analysedFrames.Add(frames, tag);
            _framesPerSecond.Record(frames / Math.Max(duration.TotalSeconds, 1e-3), tag);
        }
    }

    /// <summary>A stage execution threw; <paramref name="reason"/> is a small fixed set (<see cref="ReasonClass"/>), never a message.</summary>
    public void StageFailed(string stage, string reason) =>
        _failures.Add(1, new KeyValuePair<string, object?>("stage", stage), new KeyValuePair<string, object?>("reason", reason));

    /// <summary>
    /// The reason class of a stage's error: "input" (the video or a model cannot be used; no retry helps),
    /// "interrupted" (a shutdown or a deleted job: it runs again; a user's cancel is not counted) or "error" (anything
    /// else: retried). Few values on purpose, so a metric never has one series per message.
    /// </summary>
    public static string ReasonClass(Exception error) => error switch
    {
        Pipeline.PipelineFailure => "input",
        OperationCanceledException => "interrupted",
        _ => "error",
    };

    /// <summary>Jobs waiting per queue, read through <see cref="QueueMonitor"/> at each collection (the web app registers this once).</summary>
    public void ObserveQueueDepths(QueueMonitor monitor) =>
        _meter.CreateObservableGauge(
            "portal.queue.waiting",
            () => monitor.WaitingPerQueue().Select(q => new Measurement<long>(q.Value, new KeyValuePair<string, object?>("queue", q.Key))),
            "{job}",
            "Jobs enqueued and not yet picked up, by queue.");
}

public static class PortalMetricsExtensions
{
    /// <summary>What every Portal process exports: its own meter and .NET's runtime metrics (GC, thread pool, memory).</summary>
    public static MeterProviderBuilder AddPortalInstruments(this MeterProviderBuilder metrics) =>
        metrics.AddMeter(PortalMetrics.MeterName).AddRuntimeInstrumentation();

    /// <summary>
    /// A stand-alone worker's metrics at <c>http://HOST:PORT/metrics</c> on every address when <see cref="WorkerOptions.MetricsPort"/> is
    /// set: a worker has no web host, and its stage metrics exist only in its own process.
    /// </summary>
    public static IHostApplicationBuilder AddWorkerMetrics(this IHostApplicationBuilder builder)
    {
        var port = builder.Configuration.GetSection(WorkerOptions.SectionName).Get<WorkerOptions>()?.MetricsPort;
        if (port is not { } listen)
        {
            return builder;
        }

        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddPortalInstruments()
            .AddPrometheusHttpListener(listener =>
            {
                // Every address of the machine (a scraper runs elsewhere), not the exporter's localhost: its Host
                // option takes a host name only, so the listener's prefix is replaced by the wildcard one.
                listener.Port = listen;
                listener.ConfigureHttpListener = (_, http) =>
                {
                    http.Prefixes.Clear();
                    http.Prefixes.Add($"http://*:{listen}/");
                };
            }));
        return builder;
    }
}
