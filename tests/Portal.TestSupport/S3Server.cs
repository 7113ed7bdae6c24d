using System.Diagnostics;
using System.Text.Json;

namespace Portal.TestSupport;

/// <summary>
/// s3rver (tests/s3-server, installed by ./portal test) in its own Node process on a free port, with one bucket and
/// its objects in a temporary folder; stopped and deleted on dispose. For the object-storage media store's tests.
/// </summary>
public sealed class S3Server : IAsyncDisposable
{
    public const string Bucket = "portal";

    // s3rver accepts any key pair that is well formed.
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";

    private readonly TempDirectory _objects = new("portal-s3rver");
    private Process? _node;

    private S3Server()
    {
    }

    public string ServiceUrl { get; private set; } = "";

    /// <summary>What the server stores, on disk (s3rver keeps each object as a file under the bucket's folder).</summary>
    public string ObjectsDirectory => _objects.Path;

    public static async Task<S3Server> StartAsync()
    {
        var server = new S3Server();
        try
        {
            await server.RunAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private async Task RunAsync()
    {
        var package = Path.Combine(TestPaths.RepoRoot, "tests", "s3-server");
        if (!Directory.Exists(Path.Combine(package, "node_modules", "s3rver")))
        {
            throw new InvalidOperationException($"s3rver is not installed: run 'npm ci' in {package} (./portal test does it).");
        }

        var start = new ProcessStartInfo("node") { WorkingDirectory = package, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "serve.mjs", _objects.Path, Bucket })
        {
            start.ArgumentList.Add(argument);
        }

        _node = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var line = await _node.StandardOutput.ReadLineAsync(timeout.Token)
            ?? throw new InvalidOperationException($"s3rver exited before listening: {await _node.StandardError.ReadToEndAsync()}");
        var port = JsonDocument.Parse(line).RootElement.GetProperty("port").GetInt32();
        ServiceUrl = $"http://127.0.0.1:{port}";
    }

    public async ValueTask DisposeAsync()
    {
        if (_node is { HasExited: false })
        {
            _node.Kill(entireProcessTree: true);
            await _node.WaitForExitAsync();
        }

        _node?.Dispose();
        _objects.Dispose();
    }
}
