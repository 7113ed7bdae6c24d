using System.Diagnostics;
using System.Text;

namespace Portal.EndToEndTests;

/// <summary>
/// The real tus-js-client, running in Node (tests/tus-client/upload.test.mjs), against the real portal process: a plain
/// upload, one aborted part-way and resumed from the server's offset, and one whose connection a proxy cuts mid-PATCH.
/// </summary>
public sealed class TusJsClientTests(RunningPortal portal) : IClassFixture<RunningPortal>
{
    private static readonly string ClientDirectory = Path.Combine(TestPaths.RepoRoot, "tests", "tus-client");

    [Fact]
    public async Task TusJsClientInNode_UploadsPlainInterruptedAndDroppedUploads_AndEachEndsWithTheFilesSha256()
    {
        if (!File.Exists(Path.Combine(ClientDirectory, "node_modules", "tus-js-client", "package.json")))
        {
            var (installed, installLog) = await RunAsync("npm", ["ci", "--no-audit", "--no-fund"], TimeSpan.FromMinutes(5));
            Assert.True(installed == 0, $"npm ci in tests/tus-client failed:\n{installLog}");
        }

        var (exitCode, output) = await RunAsync("node", ["--test", "--test-reporter=spec", "upload.test.mjs"], TimeSpan.FromMinutes(5),
            ("PORTAL_URL", portal.BaseUrl.ToString().TrimEnd('/')),
            ("PORTAL_TOKEN", portal.Account.Token),
            ("PORTAL_TEST_VIDEO", TestPaths.Video("k400_archery.avi")));

        Assert.True(exitCode == 0, $"the tus-js-client tests failed:\n{output}\nportal log:\n{portal.Log}");
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, string[] arguments, TimeSpan timeout, params (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            WorkingDirectory = ClientDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"{program} did not finish within {timeout}:\n{output}");
        }

        lock (output)
        {
            return (process.ExitCode, output.ToString());
        }
    }
}
