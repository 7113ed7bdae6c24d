using System.Diagnostics;
using Microsoft.Extensions.Options;
using Portal.Data.Media;
using Portal.Jobs.Media;

namespace Portal.UnitTests;

public class VideoProberTests
{
    [Theory]
    [InlineData("the file: Invalid data found when processing input", "not a video Portal can read", "(ffprobe: the file: Invalid data found when processing input)")]
    [InlineData("[mov,mp4] moov atom not found\nthe file: Invalid data found when processing input", "incomplete MP4", "moov")]
    [InlineData("something else entirely", "could not be read as a video", "(ffprobe: something else entirely)")]
    public void ExplainProbeFailure_GivesASentence_ThenFfprobesOwnWords(string ffprobe, string sentence, string detail)
    {
        var reason = VideoProber.ExplainProbeFailure(ffprobe);

        Assert.Contains(sentence, reason, StringComparison.Ordinal);
        Assert.Contains(detail, reason, StringComparison.Ordinal);
        Assert.DoesNotContain("exit-code", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Probe_ReadsRotationFromTheContainer()
    {
        using var temp = new TempDirectory();
        var rotated = Path.Combine(temp.Path, "videos", "rotated.mp4");
        Directory.CreateDirectory(Path.GetDirectoryName(rotated)!);
        using (var ffmpeg = Process.Start("ffmpeg", ["-v", "error", "-y", "-i", TestPaths.Video("tfjs_pose_1.mp4"), "-c", "copy", "-metadata:s:v:0", "rotate=90", rotated])!)
        {
            await ffmpeg.WaitForExitAsync();
            Assert.Equal(0, ffmpeg.ExitCode);
        }

        var probe = await Prober(temp).ProbeAsync("videos/rotated.mp4", CancellationToken.None);

        Assert.Contains(probe.Rotation, new[] { 90, 270 });
        Assert.Equal((576, 576), (probe.Width, probe.Height));
    }

    [Fact]
    public async Task Probe_EmptyFile_SaysItIsEmpty()
    {
        using var temp = new TempDirectory();
        await File.WriteAllBytesAsync(Path.Combine(temp.Path, "empty"), []);

        var error = await Assert.ThrowsAsync<UnreadableVideoException>(() => Prober(temp).ProbeAsync("empty", CancellationToken.None));

        Assert.Contains("empty", error.Message, StringComparison.Ordinal);
    }

    private static VideoProber Prober(TempDirectory root) =>
        new(new LocalMediaStore(Options.Create(new MediaOptions { Root = root.Path })), Options.Create(new Portal.Jobs.Pipeline.VideoLimitOptions()));
}
