using Portal.TestSupport;
using Portal.Tools.TfjsToOnnx.Quantization;

namespace Portal.Tools.Tests;

public class CalibrationFileTests
{
    [Fact]
    public async Task ARangesFile_GivesBackEveryFloatExactly_AndTheClips()
    {
        using var temp = new TempDirectory();
        var path = Path.Combine(temp.Path, "sub", "movenet-multipose-int8.ranges.json");
        // Values whose shortest decimal form is long or near the ends of float's range: a rounding anywhere shows.
        var written = new Calibrator.Result(
            new Dictionary<string, TensorRange>
            {
                ["conv/b"] = new(-0.1f, 1f / 3f),
                ["conv/a"] = new(float.Epsilon, 3.4028235e38f),
                ["relu"] = new(0f, 6.000001f),
            },
            [("clip one.mp4", 16), ("clip2.gif", 7)]);

        await CalibrationFile.WriteAsync(path, written, CancellationToken.None);
        var read = await CalibrationFile.ReadAsync(path, CancellationToken.None);

        Assert.Equal(written.Ranges.OrderBy(r => r.Key, StringComparer.Ordinal), read.Ranges.OrderBy(r => r.Key, StringComparer.Ordinal));
        Assert.Equal(written.Clips, read.Clips);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"clips": [], "ranges": {}}""")]
    [InlineData("""{"clips": [], "ranges": {"a": [2.0, 1.0]}}""")]
    [InlineData("""{"clips": [], "ranges": {"a": [1.0]}}""")]
    [InlineData("""{"ranges": {"a": [0.0, 1.0]}}""")]
    public async Task AFileThatIsNotARangesFile_IsRefused_NamingIt(string text)
    {
        using var temp = new TempDirectory();
        var path = Path.Combine(temp.Path, "bad.json");
        await File.WriteAllTextAsync(path, text);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => CalibrationFile.ReadAsync(path, CancellationToken.None));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }
}
