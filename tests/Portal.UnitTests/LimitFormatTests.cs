using System.Diagnostics;
using System.Text.RegularExpressions;
using Portal.Web.Videos;

namespace Portal.UnitTests;

/// <summary>How limits are put to people in refusals and on the upload page.</summary>
public sealed class LimitFormatTests
{
    [Theory]
    [InlineData(5.24, "5.2 s")]
    [InlineData(59.96, "60 s")]
    [InlineData(125, "2:05")]
    [InlineData(3723.4, "1:02:03")]
    [InlineData(7200, "2 h")]
    [InlineData(5400, "90 min")]
    [InlineData(600, "10 min")]
    [InlineData(7390, "2:03:10")]
    public void Durations(double seconds, string expected) => Assert.Equal(expected, VideoLimitOptions.FormatDuration(seconds));

    [Theory]
    [InlineData(100, "1 KiB")]
    [InlineData(100 * 1024, "100 KiB")]
    [InlineData(4 * 1024 * 1024, "4 MiB")]
    [InlineData(3435973837L, "3.2 GiB")]
    [InlineData(2L * 1024 * 1024 * 1024, "2 GiB")]
    public void Sizes(long bytes, string expected) => Assert.Equal(expected, UploadOptions.FormatSize(bytes));

    [Fact]
    public async Task Sizes_AreWrittenTheSameByTheUploadPageScript()
    {
        // The page formats sizes it learns before the server does (the chosen file, bytes sent): its formatSize must
        // say them as UploadOptions.FormatSize does. The function is taken from the shipped script and run in Node.
        var script = await File.ReadAllTextAsync(Path.Combine(TestPaths.RepoRoot, "src", "Portal.Web", "wwwroot", "js", "upload.js"));
        var function = Regex.Match(script, @"^  function formatSize\(bytes\) \{.*?^  \}", RegexOptions.Multiline | RegexOptions.Singleline);
        Assert.True(function.Success, "upload.js has no formatSize function");
        long[] sizes = [100, 600, 100 * 1024, 1023 * 1024, 4 * 1024 * 1024, 3435973837L, 1288490189L, 2L * 1024 * 1024 * 1024, 5L << 40];
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("-e");
        start.ArgumentList.Add($"{function.Value}\nfor (const b of [{string.Join(",", sizes)}]) console.log(formatSize(b));");
        using var node = Process.Start(start)!;
        var output = await node.StandardOutput.ReadToEndAsync();
        await node.WaitForExitAsync();

        Assert.Equal(0, node.ExitCode);
        Assert.Equal(sizes.Select(UploadOptions.FormatSize), output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
