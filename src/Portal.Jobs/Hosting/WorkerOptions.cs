namespace Portal.Jobs.Hosting;

/// <summary>Options of a Hangfire worker (configuration section <c>Portal:Worker</c>).</summary>
public sealed class WorkerOptions
{
    public const string SectionName = "Portal:Worker";

    /// <summary>Whether the web host also runs a worker (how `./portal run` works on one machine).</summary>
    public bool InProcess { get; set; }

    /// <summary>
    /// Queues this worker serves, most important first (see <see cref="JobQueues"/>); none named: all of them. Empty by
    /// default, not <see cref="JobQueues.All"/>: the configuration binder appends configured items to an array's
    /// initial ones, so Queues__0=media would have served every queue (ScaleOutTests caught it).
    /// </summary>
    public string[] Queues { get; set; } = [];

    /// <summary>Jobs run at once by this worker; 0 means one per core.</summary>
    public int WorkerCount { get; set; }

    /// <summary>Name shown on the dashboard's Servers page; defaults to the machine name.</summary>
    public string? Name { get; set; }

    /// <summary>
    /// A stand-alone worker serves its own Prometheus metrics (stage durations, frames, failures, runtime) at
    /// <c>http://HOST:PORT/metrics</c> when this is set; null: none. Ignored in process: the web app's /metrics has them.
    /// </summary>
    public int? MetricsPort { get; set; }
}
