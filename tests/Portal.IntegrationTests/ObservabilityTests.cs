using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Portal.Jobs.Pipeline;

namespace Portal.IntegrationTests;

/// <summary>
/// What an operator sees of one processed video: the portal's metrics on /metrics (admins only) and log lines that
/// carry the video's id, run and stage. One short clip is processed once for the class.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed partial class ObservabilityTests(ObservedPortalApp app) : IClassFixture<ObservedPortalApp>
{
    [Fact]
    public async Task Metrics_AfterAProcessedVideo_HoldTheStageDurationsFramesAndQueueDepths_ForAdminsOnly()
    {
        await app.ProcessedVideo.Value;
        var admin = await app.AddAccountAsync($"scraper-{Guid.NewGuid():N}@portal.test", admin: true);
        var user = await app.AddAccountAsync($"user-{Guid.NewGuid():N}@portal.test");
        using var asAdmin = app.CreateClient(admin);
        using var asUser = app.CreateClient(user);
        using var anonymous = app.CreateClient((TestAccount?)null);

        Assert.Equal(HttpStatusCode.NotFound, (await asUser.GetAsync(new Uri("/metrics", UriKind.Relative))).StatusCode);
        Assert.NotEqual(HttpStatusCode.OK, (await anonymous.GetAsync(new Uri("/metrics", UriKind.Relative))).StatusCode);

        var text = await asAdmin.GetStringAsync(new Uri("/metrics", UriKind.Relative));

        foreach (var stage in PipelineStages.All)
        {
            Assert.True(Value(text, "portal_stage_duration_seconds_count", stage.Name) >= 1, $"no duration for stage {stage.Name}:\n{text}");
        }

        Assert.True(Value(text, "portal_stage_analysed_frames_total", "poses") > 0, text);
        Assert.True(Value(text, "portal_stage_frames_per_second_count", "poses") >= 1, text);
        Assert.Matches(QueueGauge(), text);
        Assert.Contains("http_server_request_duration_seconds", text, StringComparison.Ordinal);
        Assert.Contains("dotnet_gc_", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryStageLogsWithTheVideoIdRunIdAndStageInScope()
    {
        var video = await app.ProcessedVideo.Value;

        var lines = app.Log.Lines.Where(l => Equals(l.Scope.GetValueOrDefault("VideoId"), video.Id)).ToList();
        foreach (var stage in PipelineStages.All)
        {
            Assert.Contains(lines, l => Equals(l.Scope.GetValueOrDefault("Stage"), stage.Name));
        }

        // After the probe every line names the run too, the same run for all of them.
        var runIds = lines.Where(l => !Equals(l.Scope["Stage"], PipelineStages.All[0].Name)).Select(l => l.Scope["RunId"]).Distinct().ToList();
        var runId = Assert.Single(runIds);
        Assert.IsType<Guid>(runId);
    }

    private static double Value(string metrics, string name, string stage)
    {
        var match = Regex.Match(metrics, $@"^{Regex.Escape(name)}\{{[^}}]*stage=""{Regex.Escape(stage)}""[^}}]*\}} (\S+)", RegexOptions.Multiline);
        return match.Success ? double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
    }

    [GeneratedRegex(@"^portal_queue_waiting\{[^}]*queue=""inference""[^}]*\} \d+", RegexOptions.Multiline)]
    private static partial Regex QueueGauge();
}

/// <summary>The real host with a logger provider that keeps every line with its scope values, and one processed clip.</summary>
public sealed class ObservedPortalApp : PortalApp
{
    public ObservedPortalApp() => ProcessedVideo = new(ProcessAsync);

    public CapturingLoggerProvider Log { get; } = new();

    public Lazy<Task<VideoDto>> ProcessedVideo { get; }

    // The portal's own lines at Information (the other hosts log warnings only).
    protected override IEnumerable<(string Key, string Value)> Settings => [("Logging:LogLevel:Portal", "Information")];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.AddSingleton<ILoggerProvider>(Log));
    }

    private async Task<VideoDto> ProcessAsync()
    {
        var uploaded = await UploadOkAsync(TestPaths.Video("tfjs_pose_1.mp4"));
        var video = await WaitUntilFinishedAsync(uploaded.Id);
        Assert.Equal(VideoStatus.Succeeded, video.Status);
        return video;
    }
}

public sealed record CapturedLine(string Category, string Message, IReadOnlyDictionary<string, object?> Scope);

/// <summary>Keeps each line with the values of the scopes around it (merged, innermost last), as a structured sink would.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public ConcurrentQueue<CapturedLine> Lines { get; } = new();

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => owner._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = new Dictionary<string, object?>(StringComparer.Ordinal);
            owner._scopes.ForEachScope(
                (scope, into) =>
                {
                    if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
                    {
                        foreach (var (key, value) in pairs)
                        {
                            into[key] = value;
                        }
                    }
                },
                values);
            owner.Lines.Enqueue(new CapturedLine(category, formatter(state, exception), values));
        }
    }
}
