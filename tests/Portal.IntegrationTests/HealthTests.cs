using Portal.Web.Hosting;

namespace Portal.IntegrationTests;

/// <summary>Liveness and readiness on the real host: what each check reports, and a 503 naming the check that fails.</summary>
[Collection(IntegrationCollection.Name)]
public sealed class HealthTests(PortalApp app) : IClassFixture<PortalApp>
{
    private static readonly string[] ReadyChecks = ["postgresql", "hangfire", "models", "ffmpeg", "warmup"];

    [Fact]
    public async Task Liveness_Is200_AndReadiness_NamesEveryCheckAsHealthy()
    {
        using var client = app.CreateClient((TestAccount?)null);

        using var live = await client.GetAsync(new Uri("/health", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("Healthy", await live.Content.ReadAsStringAsync());

        await app.Services.GetRequiredService<StartupWarmup>().Completion.WaitAsync(TimeSpan.FromSeconds(60)); // ready only after it
        using var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
        var body = await ready.Content.ReadAsStringAsync();
        Assert.True(ready.StatusCode == HttpStatusCode.OK, body);
        var checks = ReadChecks(body);
        Assert.Equal(ReadyChecks.Order(), checks.Keys.Order());
        Assert.All(checks, c => Assert.Equal("Healthy", c.Value.Status));
        Assert.Contains("ffprobe version", checks["ffmpeg"].Description, StringComparison.Ordinal);
        Assert.Contains("movenet-multipose", checks["models"].Description, StringComparison.Ordinal);
    }

    internal static Dictionary<string, (string Status, string Description)> ReadChecks(string body)
    {
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("checks").EnumerateArray().ToDictionary(
            c => c.GetProperty("name").GetString()!,
            c => (c.GetProperty("status").GetString()!, c.GetProperty("description").GetString() ?? ""));
    }
}

/// <summary>A host whose models root is an empty folder, as on a machine where `./portal models` never ran.</summary>
public sealed class NoModelsPortalApp : PortalApp
{
    private readonly TempDirectory _emptyModels = new("portal-no-models");

    protected override IEnumerable<(string Key, string Value)> Settings => [("Portal:Pipeline:ModelsRoot", _emptyModels.Path)];

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _emptyModels.Dispose();
    }
}

[Collection(IntegrationCollection.Name)]
public sealed class NoModelsHealthTests(NoModelsPortalApp app) : IClassFixture<NoModelsPortalApp>
{
    [Fact]
    public async Task Readiness_Is503_NamingModels_WhileLivenessStays200()
    {
        using var client = app.CreateClient((TestAccount?)null);

        using var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
        var body = await ready.Content.ReadAsStringAsync();

        Assert.True(ready.StatusCode == HttpStatusCode.ServiceUnavailable, body);
        var checks = HealthTests.ReadChecks(body);
        Assert.Equal("Unhealthy", checks["models"].Status);
        Assert.Contains("movenet-multipose", checks["models"].Description, StringComparison.Ordinal);
        Assert.Equal("Healthy", checks["postgresql"].Status);
        Assert.Equal("Healthy", checks["ffmpeg"].Status);

        using var live = await client.GetAsync(new Uri("/health", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }
}
