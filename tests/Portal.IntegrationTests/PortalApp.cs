using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Portal.Web.Accounts;

namespace Portal.IntegrationTests;

/// <summary>
/// The real web host (real migrations, real Hangfire on PostgreSQL with an in-process worker, real ffprobe) on a
/// database of its own and a media root of its own. Only the HTTP transport is in-memory (TestServer).
/// </summary>
public class PortalApp : WebApplicationFactory<Program>, IAsyncLifetime
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private TestDatabase? _database;

    public TempDirectory Media { get; } = new("portal-media");

    /// <summary>Upload limit for this host; null keeps the product's default.</summary>
    protected virtual long? MaxUploadBytes => null;

    /// <summary>Duration limit for this host; null keeps the product's default.</summary>
    protected virtual double? MaxDurationSeconds => null;

    /// <summary>Further settings for this host (key, value), applied last.</summary>
    protected virtual IEnumerable<(string Key, string Value)> Settings => [];

    public string ConnectionString => _database?.ConnectionString ?? throw new InvalidOperationException("Not initialized.");

    /// <summary>The account every client of <see cref="CreateClient()"/> acts for, with its API token.</summary>
    public TestAccount Owner { get; private set; } = null!;

    public virtual async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _ = Server; // start the host now: migrations run and the worker starts before the first test
        Owner = await AddAccountAsync("owner@portal.test");
    }

    /// <summary>A new account (User, or Admin) and an API token for it, made as an admin would.</summary>
    public async Task<TestAccount> AddAccountAsync(string email, bool admin = false)
    {
        await using var scope = Services.CreateAsyncScope();
        var accounts = scope.ServiceProvider.GetRequiredService<PortalAccounts>();
        var password = await accounts.AddAsync(email, admin);
        var token = await accounts.CreateTokenAsync(email, "tests", CancellationToken.None);
        var user = await scope.ServiceProvider.GetRequiredService<UserManager<Portal.Data.Entities.PortalUser>>().FindByEmailAsync(email);
        return new TestAccount(user!.Id, email, password, token);
    }

    /// <summary>A client that sends <paramref name="account"/>'s token, or none when null (an anonymous caller).</summary>
    public HttpClient CreateClient(TestAccount? account)
    {
        var client = CreateDefaultClient();
        client.DefaultRequestHeaders.Authorization = account is null ? null : new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", account.Token);
        return client;
    }

    /// <summary>Every plain client acts for <see cref="Owner"/>, as the tests written before accounts expect.</summary>
    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        if (Owner is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Owner.Token);
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Portal", ConnectionString);
        builder.UseSetting("Portal:Media:Root", Media.Path);
        builder.UseSetting("Portal:Worker:InProcess", "true");
        builder.UseSetting("Portal:Worker:WorkerCount", "2");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("Portal:Pipeline:ModelsRoot", Path.Combine(TestPaths.RepoRoot, "models"));
        // Tiny chunks, so every test's tracks cross the boundaries where the actions stage reads and writes anew.
        builder.UseSetting("Portal:Pipeline:ActionChunkWindows", "5");
        // A deleted video's folders are deleted again a second later, not five minutes.
        builder.UseSetting("Portal:Media:DeleteAgainAfter", "00:00:01");
        if (MaxUploadBytes is { } max)
        {
            builder.UseSetting("Portal:Upload:MaxBytes", max.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (MaxDurationSeconds is { } seconds)
        {
            builder.UseSetting("Portal:Upload:MaxDurationSeconds", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }
    }

    public async Task<HttpResponseMessage> UploadAsync(string path, string? fileName = null)
    {
        using var client = CreateClient();
        await using var file = File.OpenRead(path);
        using var content = new MultipartFormDataContent { { new StreamContent(file), "file", fileName ?? Path.GetFileName(path) } };
        return await client.PostAsync(new Uri("/api/videos", UriKind.Relative), content);
    }

    public async Task<VideoDto> UploadOkAsync(string path, string? fileName = null)
    {
        using var response = await UploadAsync(path, fileName);
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<VideoDto>(Json))!;
    }

    public async Task<VideoDto> GetVideoAsync(Guid id)
    {
        using var client = CreateClient();
        return (await client.GetFromJsonAsync<VideoDto>(new Uri($"/api/videos/{id}", UriKind.Relative), Json))!;
    }

    /// <summary>Polls the API until the video's metadata is known (probe done) or it has ended.</summary>
    public async Task<VideoDto> WaitUntilProbedAsync(Guid id)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            var video = await GetVideoAsync(id);
            if (video.Width is not null || video.Status is VideoStatus.Succeeded or VideoStatus.Failed or VideoStatus.Canceled)
            {
                return video;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Video {id} not probed after the timeout ({video.Status}, stage '{video.Stage}').");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Polls the API until the video has ended (Succeeded, Failed or Canceled).</summary>
    public async Task<VideoDto> WaitUntilFinishedAsync(Guid id, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(240));
        while (true)
        {
            var video = await GetVideoAsync(id);
            if (video.Status is VideoStatus.Succeeded or VideoStatus.Failed or VideoStatus.Canceled)
            {
                return video;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Video {id} still {video.Status} at stage '{video.Stage}' after the timeout. {HangfireState()}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>
    /// What Hangfire's own bookkeeping says (servers and their heartbeats, queue lengths, the jobs in progress), for a
    /// timeout's message: a video that never leaves Queued is otherwise a 4-minute mystery (seen once, stop 23).
    /// </summary>
    private string HangfireState()
    {
        try
        {
            var monitoring = Services.GetRequiredService<Hangfire.JobStorage>().GetMonitoringApi();
            var servers = string.Join("; ", monitoring.Servers().Select(s => $"{s.Name} ({s.WorkersCount} workers, queues {string.Join(",", s.Queues)}, heartbeat {s.Heartbeat:HH:mm:ss})"));
            var queues = string.Join(", ", monitoring.Queues().Select(q => $"{q.Name} {q.Length} enqueued"));
            var processing = string.Join("; ", monitoring.ProcessingJobs(0, 10).Select(j => $"{j.Value.Job?.Type.Name}.{j.Value.Job?.Method.Name} since {j.Value.StartedAt:HH:mm:ss} on {j.Value.ServerId}"));
            return $"Hangfire at {DateTime.UtcNow:HH:mm:ss}: servers [{servers}]; queues [{queues}]; processing [{processing}]; scheduled {monitoring.ScheduledCount()}, failed {monitoring.FailedCount()}.";
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return $"(Hangfire's state could not be read: {e.Message})";
        }
    }

    public async Task<T> GetJsonAsync<T>(string path)
    {
        using var client = CreateClient();
        return (await client.GetFromJsonAsync<T>(new Uri(path, UriKind.Relative), Json))!;
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        // The virtual one, so a subclass can stop what it started beside the host.
        await DisposeAsync();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        Media.Dispose();
    }
}

/// <summary>An account made for a test: its id (the owner id of its videos), password and API token.</summary>
public sealed record TestAccount(string Id, string Email, string Password, string Token);

/// <summary>Same host with a 100 KiB upload limit.</summary>
public sealed class SmallLimitPortalApp : PortalApp
{
    public const long Limit = 100 * 1024;

    protected override long? MaxUploadBytes => Limit;
}

/// <summary>Same host processing videos up to 5 seconds long.</summary>
public sealed class ShortVideosPortalApp : PortalApp
{
    protected override double? MaxDurationSeconds => 5;
}

/// <summary>All integration tests share one collection: they run one class at a time, as the CPU is small.</summary>
[CollectionDefinition(Name)]
public sealed class IntegrationCollection
{
    public const string Name = "integration";
}
