using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Portal.Inference.Frames;

/// <summary>Options of <see cref="FfmpegFrameReader"/>.</summary>
public sealed record FrameReaderOptions
{
    /// <summary>Output frame rate (FFmpeg's fps filter drops or repeats frames); null keeps the source rate.</summary>
    public double? Fps { get; init; }

    /// <summary>Output width in pixels; with only one of <see cref="Width"/> and <see cref="Height"/> set, the other
    /// keeps the aspect ratio (rounded to an even number). Null for both keeps the source size.</summary>
    public int? Width { get; init; }

    /// <inheritdoc cref="Width"/>
    public int? Height { get; init; }

    /// <summary>The ffmpeg and ffprobe executables (names on PATH or full paths).</summary>
    public string FfmpegPath { get; init; } = "ffmpeg";

    /// <inheritdoc cref="FfmpegPath"/>
    public string FfprobePath { get; init; } = "ffprobe";
}

/// <summary>What ffprobe reports about a video's first video stream (display size, after rotation).</summary>
public sealed record VideoInfo(int Width, int Height, double Fps, int? FrameCount);

/// <summary>
/// One decoded frame: <see cref="Rgb"/> holds Height rows of Width pixels, 3 bytes each (R, G, B), no row padding:
/// FFmpeg's <c>rgb24</c>. The memory is the reader's buffer and is overwritten by the next frame.
/// </summary>
public readonly record struct RgbFrame(int Index, double Time, int Width, int Height, ReadOnlyMemory<byte> Rgb);

/// <summary>Thrown when ffmpeg or ffprobe cannot read a video; the message carries FFmpeg's own last lines.</summary>
public sealed class FfmpegException(string message) : Exception(message);

/// <summary>
/// Decodes a video to raw RGB frames by running <c>ffmpeg ... -f rawvideo -pix_fmt rgb24 pipe:1</c> and reading its
/// output one frame at a time into one reused buffer, so memory stays at one frame whatever the video's length.
/// Frame times are <c>index / fps</c> (the output rate), which is exact for constant-rate output.
/// </summary>
public static class FfmpegFrameReader
{
    /// <summary>Probes <paramref name="path"/> with ffprobe.</summary>
    public static async Task<VideoInfo> ProbeAsync(string path, FrameReaderOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new FrameReaderOptions();
        RequireFile(path);
        var (exitCode, stdout, stderr) = await RunToEndAsync(options.FfprobePath,
            ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height,avg_frame_rate,r_frame_rate,nb_frames:stream_side_data=rotation", "-of", "json", path],
            cancellationToken);
        if (exitCode != 0)
        {
            throw new FfmpegException($"ffprobe could not read '{path}': {LastLines(stderr)}");
        }

        using var json = JsonDocument.Parse(stdout);
        var streams = json.RootElement.TryGetProperty("streams", out var s) ? s : default;
        if (streams.ValueKind != JsonValueKind.Array || streams.GetArrayLength() == 0)
        {
            throw new FfmpegException($"'{path}' has no video stream.");
        }

        var stream = streams[0];
        var width = stream.GetProperty("width").GetInt32();
        var height = stream.GetProperty("height").GetInt32();
        var fps = ParseRate(stream, "avg_frame_rate") ?? ParseRate(stream, "r_frame_rate") ?? 0;
        int? frames = stream.TryGetProperty("nb_frames", out var nb) && int.TryParse(nb.GetString(), CultureInfo.InvariantCulture, out var n) ? n : null;
        if (stream.TryGetProperty("side_data_list", out var sideData))
        {
            foreach (var item in sideData.EnumerateArray())
            {
                if (item.TryGetProperty("rotation", out var rotation) && Math.Abs(rotation.GetInt32()) % 180 == 90)
                {
                    (width, height) = (height, width); // ffmpeg autorotates, so frames come out turned
                }
            }
        }

        if (width <= 0 || height <= 0)
        {
            throw new FfmpegException($"'{path}' reports an invalid frame size {width}x{height}.");
        }

        return new VideoInfo(width, height, fps, frames);
    }

    /// <summary>
    /// Decodes <paramref name="path"/> frame by frame. Each yielded frame is valid until the enumeration moves on.
    /// Cancelling kills ffmpeg. A decoding failure throws <see cref="FfmpegException"/> with FFmpeg's message.
    /// </summary>
    public static async IAsyncEnumerable<RgbFrame> ReadAsync(string path, FrameReaderOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        options ??= new FrameReaderOptions();
        var info = await ProbeAsync(path, options, cancellationToken);
        var (width, height) = OutputSize(info, options);
        var fps = options.Fps ?? info.Fps;
        if (options.Fps is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "Fps must be positive.");
        }

        var filters = new List<string>();
        if (options.Fps is { } outFps)
        {
            filters.Add(FormattableString.Invariant($"fps={outFps}"));
        }

        if (width != info.Width || height != info.Height)
        {
            filters.Add(FormattableString.Invariant($"scale={width}:{height}:flags=bilinear"));
        }

        List<string> arguments = ["-nostdin", "-v", "error", "-i", path, "-an", "-sn", "-dn"];
        if (filters.Count > 0)
        {
            arguments.AddRange(["-vf", string.Join(',', filters)]);
        }

        arguments.AddRange(["-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]);

        using var process = Start(options.FfmpegPath, arguments);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var registration = cancellationToken.Register(() => Kill(process));
        var buffer = new byte[checked(width * height * 3)];
        var stdout = process.StandardOutput.BaseStream;
        var index = 0;
        try
        {
            while (true)
            {
                var read = await stdout.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
                cancellationToken.ThrowIfCancellationRequested();
                if (read == 0)
                {
                    break;
                }

                if (read < buffer.Length)
                {
                    await process.WaitForExitAsync(CancellationToken.None);
                    throw new FfmpegException($"ffmpeg stopped in the middle of frame {index} of '{path}' (exit code {process.ExitCode}): {LastLines(await stderr)}");
                }

                yield return new RgbFrame(index, fps > 0 ? index / fps : 0, width, height, buffer);
                index++;
            }

            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0)
            {
                throw new FfmpegException($"ffmpeg failed on '{path}' (exit code {process.ExitCode}): {LastLines(await stderr)}");
            }
        }
        finally
        {
            Kill(process);
        }
    }

    /// <summary>How many frames <see cref="ReadFramesAtAsync"/> asks of one ffmpeg process: each costs it one more
    /// open file and decoder (~4.5 MB with one thread), and the process start is shared by all of them.</summary>
    public const int FramesPerProcess = 8;

    /// <summary>
    /// Decodes the frame nearest each of <paramref name="seconds"/> (times from the video's start, any order), at the
    /// video's size, yielding them in the order asked with <see cref="RgbFrame.Index"/> = the position in the list.
    /// One ffmpeg process serves up to <see cref="FramesPerProcess"/> times: it opens the file once per time, seeks each
    /// to a point half a frame before its frame, keeps the first frame decoded there and concatenates them; a process
    /// start per frame cost 5 times as much. A batch that comes back short is read again one time per process, and a
    /// time with no frame even then throws <see cref="FfmpegException"/>. Each frame is valid until the next is asked.
    /// </summary>
    /// <param name="info">The video's <see cref="ProbeAsync"/> result: its rate snaps a time to its frame, and its
    /// frame count keeps the last one in reach.</param>
    public static async IAsyncEnumerable<RgbFrame> ReadFramesAtAsync(string path, VideoInfo info, IReadOnlyList<double> seconds,
        FrameReaderOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        options ??= new FrameReaderOptions();
        RequireFile(path);
        var frameBytes = checked(info.Width * info.Height * 3);
        var buffer = new byte[checked(frameBytes * Math.Min(FramesPerProcess, Math.Max(1, seconds.Count)))];
        for (var first = 0; first < seconds.Count; first += FramesPerProcess)
        {
            var times = seconds.Skip(first).Take(FramesPerProcess).ToList();
            var seeks = times.Select(t => SeekTimeOfFrameNearest(t, info)).ToList();
            var read = await ReadFirstFramesAsync(options.FfmpegPath, path, seeks, buffer, frameBytes, cancellationToken);
            if (read < times.Count)
            {
                // Fewer frames than inputs: which one is missing cannot be told, so each time is read on its own.
                for (var i = 0; i < times.Count; i++)
                {
                    if (await ReadFirstFramesAsync(options.FfmpegPath, path, [seeks[i]], buffer.AsMemory(i * frameBytes, frameBytes), frameBytes, cancellationToken) < 1)
                    {
                        throw new FfmpegException($"ffmpeg returned no frame at {times[i]:0.###} s of '{path}'.");
                    }
                }
            }

            for (var i = 0; i < times.Count; i++)
            {
                yield return new RgbFrame(first + i, times[i], info.Width, info.Height, buffer.AsMemory(i * frameBytes, frameBytes));
            }
        }
    }

    /// <summary>
    /// Where to seek so that the first frame decoded is the one nearest <paramref name="seconds"/>: half a frame before
    /// it, since an input seek keeps frames from the seek point on. Without a known rate, the time itself.
    /// </summary>
    internal static double SeekTimeOfFrameNearest(double seconds, VideoInfo info)
    {
        if (info.Fps <= 0)
        {
            return Math.Max(0, seconds);
        }

        var frame = Math.Max(0, (long)Math.Round(seconds * info.Fps));
        if (info.FrameCount is > 0 and var count)
        {
            frame = Math.Min(frame, count - 1);
        }

        return Math.Max(0, (frame - 0.5) / info.Fps);
    }

    /// <summary>One ffmpeg process: the first frame from each seek point into <paramref name="into"/>, in order; returns how many came.</summary>
    private static async Task<int> ReadFirstFramesAsync(string ffmpeg, string path, IReadOnlyList<double> seeks, Memory<byte> into, int frameBytes, CancellationToken cancellationToken)
    {
        List<string> arguments = ["-nostdin", "-v", "error"];
        var graph = new StringBuilder();
        for (var i = 0; i < seeks.Count; i++)
        {
            arguments.AddRange(["-threads", "1", "-ss", seeks[i].ToString("0.######", CultureInfo.InvariantCulture), "-i", path]);
            graph.Append(CultureInfo.InvariantCulture, $"[{i}:v:0]trim=end_frame=1,setpts=PTS-STARTPTS[f{i}];");
        }

        for (var i = 0; i < seeks.Count; i++)
        {
            graph.Append(CultureInfo.InvariantCulture, $"[f{i}]");
        }

        graph.Append(CultureInfo.InvariantCulture, $"concat=n={seeks.Count}:v=1:a=0[out]");
        // Passthrough: every frame has time 0 after setpts, and a constant-rate output would drop all but one.
        arguments.AddRange(["-filter_complex", graph.ToString(), "-map", "[out]", "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]);
        using var process = Start(ffmpeg, arguments);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var registration = cancellationToken.Register(() => Kill(process));
        try
        {
            var stdout = process.StandardOutput.BaseStream;
            var read = await stdout.ReadAtLeastAsync(into[..(seeks.Count * frameBytes)], seeks.Count * frameBytes, throwOnEndOfStream: false, cancellationToken);
            await stdout.CopyToAsync(Stream.Null, cancellationToken); // anything more would block ffmpeg's exit
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0)
            {
                throw new FfmpegException($"ffmpeg failed on '{path}' (exit code {process.ExitCode}): {LastLines(await stderr)}");
            }

            return read / frameBytes;
        }
        finally
        {
            Kill(process);
        }
    }

    /// <summary>The frame size <see cref="ReadAsync"/> produces for a video of the given size.</summary>
    public static (int Width, int Height) OutputSize(VideoInfo info, FrameReaderOptions options)
    {
        static int Even(double value) => Math.Max(2, (int)Math.Round(value / 2) * 2);
        return (options.Width, options.Height) switch
        {
            ({ } w, { } h) => (w, h),
            ({ } w, null) => (w, Even(w * (double)info.Height / info.Width)),
            (null, { } h) => (Even(h * (double)info.Width / info.Height), h),
            _ => (info.Width, info.Height),
        };
    }

    private static void RequireFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Video not found: '{path}'.", path);
        }
    }

    private static double? ParseRate(JsonElement stream, string key)
    {
        if (!stream.TryGetProperty(key, out var value) || value.GetString() is not { } text)
        {
            return null;
        }

        var parts = text.Split('/');
        if (parts.Length == 2 && double.TryParse(parts[0], CultureInfo.InvariantCulture, out var num) &&
            double.TryParse(parts[1], CultureInfo.InvariantCulture, out var den) && num > 0 && den > 0)
        {
            return num / den;
        }

        return null;
    }

    private static Process Start(string executable, IEnumerable<string> arguments)
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
            return Process.Start(info) ?? throw new FfmpegException($"Could not start '{executable}'.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new FfmpegException($"Could not start '{executable}' ({e.Message}); install FFmpeg (apt-get install -y ffmpeg).");
        }
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunToEndAsync(string executable, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        using var process = Start(executable, arguments);
        using var registration = cancellationToken.Register(() => Kill(process));
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, await stdout, await stderr);
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    private static string LastLines(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length == 0)
        {
            return "(no message)";
        }

        var builder = new StringBuilder();
        foreach (var line in lines.TakeLast(3))
        {
            builder.Append(builder.Length == 0 ? "" : " | ").Append(line);
        }

        return builder.ToString();
    }
}
