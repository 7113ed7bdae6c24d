using System.Diagnostics;
using Portal.Jobs.Media;
using Portal.TestSupport;

namespace Portal.UnitTests;

public class VideoProberTests
{
    [Theory]
    [InlineData("ffprobe exited with non-zero exit-code (1 - the file: Invalid data found when processing input)", "not a video Portal can read", "(ffprobe: the file: Invalid data found when processing input)")]
    [InlineData("[mov,mp4] moov atom not found\nthe file: Invalid data found when processing input", "incomplete MP4", "moov")]
    [InlineData("something else entirely", "could not be read as a video", "(ffprobe: something else entirely)")]
    public void ExplainProbeFailure_GivesASentence_ThenFfprobesOwnWords(string ffprobe, string sentence, string detail)
    {
        var reason = VideoProber.ExplainProbeFailure(ffprobe);

        Assert.Contains(sentence, reason, StringComparison.Ordinal);
        Assert.Contains(detail, reason, StringComparison.Ordinal);
        Assert.DoesNotContain("exit-code", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(90, 90)]
    [InlineData(-90, 270)]
    [InlineData(450, 90)]
    public void NormalizeRotation_MapsToZeroTo359(int raw, int expected) => Assert.Equal(expected, VideoProber.NormalizeRotation(raw));

    [Fact]
    public async Task Probe_ReadsRotationFromTheContainer()
    {
        using var temp = new TempDirectory();
        var rotated = Path.Combine(temp.Path, "rotated.mp4");
        using (var ffmpeg = Process.Start("ffmpeg", ["-v", "error", "-y", "-i", TestPaths.Video("tfjs_pose_1.mp4"), "-c", "copy", "-metadata:s:v:0", "rotate=90", rotated])!)
        {
            await ffmpeg.WaitForExitAsync();
            Assert.Equal(0, ffmpeg.ExitCode);
        }

        var probe = await new VideoProber().ProbeAsync(rotated, CancellationToken.None);

        Assert.Contains(probe.Rotation, new[] { 90, 270 });
        Assert.Equal((576, 576), (probe.Width, probe.Height));
    }

    [Fact]
    public async Task Probe_EmptyFile_SaysItIsEmpty()
    {
        using var temp = new TempDirectory();
        var empty = Path.Combine(temp.Path, "empty");
        await File.WriteAllBytesAsync(empty, []);

        var error = await Assert.ThrowsAsync<UnreadableVideoException>(() => new VideoProber().ProbeAsync(empty, CancellationToken.None));

        Assert.Contains("empty", error.Message, StringComparison.Ordinal);
    }
}
