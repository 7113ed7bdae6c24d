using System.Diagnostics;
using System.Text;

namespace Portal.Inference.Frames;

/// <summary>What went wrong when ffmpeg or ffprobe could not read a file; lets a caller word it for a person.</summary>
public enum FfmpegFailure
{
    /// <summary>FFmpeg itself failed; <see cref="FfmpegException.Output"/> holds its last lines.</summary>
    Unreadable,

    /// <summary>The file has no bytes.</summary>
    Empty,

    /// <summary>The file is in a format <see cref="UntrustedInput"/> refuses (a playlist, a list of other files, ...).</summary>
    RefusedFormat,

    /// <summary>The file holds no video stream (<see cref="FfmpegException.AudioOnly"/> says whether it holds audio).</summary>
    NoVideo,

    /// <summary>The video stream has no usable picture size.</summary>
    NoPictureSize,

    /// <summary>Neither a duration nor a frame rate can be read.</summary>
    Untimed,
}

/// <summary>Thrown when ffmpeg or ffprobe cannot read a video; the message carries FFmpeg's own last lines.</summary>
public sealed class FfmpegException(string message, FfmpegFailure failure = FfmpegFailure.Unreadable, string? output = null) : Exception(message)
{
    public FfmpegFailure Failure { get; } = failure;

    /// <summary>The last lines FFmpeg wrote to stderr, when it ran.</summary>
    public string? Output { get; } = output;

    /// <summary>For <see cref="FfmpegFailure.NoVideo"/>: the file has an audio stream.</summary>
    public bool AudioOnly { get; init; }
}

/// <summary>
/// The safe defaults for every ffmpeg/ffprobe input, uploads or not: FFmpeg may open only local files and pipes
/// (<c>-protocol_whitelist</c>), and only with a demuxer on <see cref="Formats"/> (<c>-format_whitelist</c>). A
/// playlist (HLS .m3u8, DASH), a concat list, an SDP file or an image sequence would make FFmpeg open other files or
/// addresses named inside the upload; with the format allowlist FFmpeg refuses them before reading a line of them.
/// See docs/decisions/0010-one-ffmpeg-module-and-media-store-leases.md.
/// </summary>
public static class UntrustedInput
{
    /// <summary>
    /// Demuxers of files that hold their own pictures: MP4/MOV/3GP (one demuxer), Matroska/WebM, AVI, MPEG-TS, MPEG-PS,
    /// FLV, Ogg, ASF/WMV, GIF. Names as FFmpeg gives them (<c>ffmpeg -demuxers</c>).
    /// </summary>
    public const string Formats = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mpegts,mpeg,flv,ogg,asf,gif";

    /// <summary>The arguments that go before each <c>-i</c> (and into every ffprobe call).</summary>
    public static IReadOnlyList<string> Arguments { get; } = ["-protocol_whitelist", "file,pipe", "-format_whitelist", Formats];

    /// <summary>The same as one string, for FFMpegCore's custom input arguments.</summary>
    public static string ArgumentText { get; } = string.Join(' ', Arguments);

    /// <summary>
    /// The demuxer FFmpeg refused, read from its "[hls @ 0x...] Format not on whitelist" line; null when the output
    /// does not report a refusal.
    /// </summary>
    public static string? RefusedFormat(string ffmpegOutput)
    {
        foreach (var line in ffmpegOutput.Split('\n'))
        {
            if (line.Contains("Format not on whitelist", StringComparison.Ordinal) && line.StartsWith('['))
            {
                var end = line.IndexOf(" @", StringComparison.Ordinal);
                return end > 1 ? line[1..end] : "unknown";
            }
        }

        return null;
    }
}

/// <summary>
/// One running ffmpeg or ffprobe: arguments passed as a list (never through a shell), stdout for the caller to read,
/// stderr collected in the background (so FFmpeg never blocks on a full pipe), killed on cancellation or disposal.
/// FFMpegCore runs the transcodes (progress, cancellation); this runs what FFMpegCore does not offer: reading raw
/// frames from stdout into one reused buffer as they come, reading ffprobe's lines as they come and stopping early,
/// and ffprobe's full JSON (FFMpegCore's analysis leaves out nb_frames). See docs/decisions/0010-one-ffmpeg-module-and-media-store-leases.md.
/// </summary>
public sealed class FfmpegProcess : IDisposable
{
    public const string Ffmpeg = "ffmpeg";
    public const string Ffprobe = "ffprobe";

    private readonly Process _process;
    private readonly Task<string> _stderr;
    private readonly CancellationTokenRegistration _registration;

    private FfmpegProcess(Process process, CancellationToken cancellationToken)
    {
        _process = process;
        _stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        _registration = cancellationToken.Register(Kill);
    }

    /// <summary>FFmpeg's stdout.</summary>
    public Stream Output => _process.StandardOutput.BaseStream;

    /// <summary>FFmpeg's stdout as text.</summary>
    public StreamReader OutputText => _process.StandardOutput;

    public int ExitCode => _process.ExitCode;

    /// <summary>Starts <paramref name="executable"/>; cancelling <paramref name="cancellationToken"/> kills it.</summary>
    public static FfmpegProcess Start(string executable, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        try
        {
            var process = Process.Start(info) ?? throw new FfmpegException($"Could not start '{executable}'.");
            return new FfmpegProcess(process, cancellationToken);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new FfmpegException($"Could not start '{executable}' ({e.Message}); install FFmpeg (apt-get install -y ffmpeg).");
        }
    }

    /// <summary>Runs to the end; returns the exit code, stdout and the last lines of stderr.</summary>
    public static async Task<(int ExitCode, string Output, string Errors)> RunToEndAsync(string executable, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        using var process = Start(executable, arguments, cancellationToken);
        var output = await process.OutputText.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, output, await process.ErrorsAsync());
    }

    public Task WaitForExitAsync(CancellationToken cancellationToken) => _process.WaitForExitAsync(cancellationToken);

    /// <summary>The whole of stderr once the process has ended.</summary>
    public async Task<string> ErrorsAsync()
    {
        await _process.WaitForExitAsync(CancellationToken.None);
        return await _stderr;
    }

    /// <summary>The last lines of stderr once the process has ended, joined with " | ".</summary>
    public async Task<string> LastErrorLinesAsync() => LastLines(await ErrorsAsync());

    /// <summary>The last <paramref name="count"/> non-empty lines of FFmpeg's output, joined with " | "; "(no message)" if none.</summary>
    public static string LastLines(string text, int count = 3)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length == 0)
        {
            return "(no message)";
        }

        var builder = new StringBuilder();
        foreach (var line in lines.TakeLast(count))
        {
            builder.Append(builder.Length == 0 ? "" : " | ").Append(line);
        }

        return builder.ToString();
    }

    public void Dispose()
    {
        _registration.Dispose();
        Kill();
        _process.Dispose();
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }
}
