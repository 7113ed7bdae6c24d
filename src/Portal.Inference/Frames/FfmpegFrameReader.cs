using System.Runtime.CompilerServices;

namespace Portal.Inference.Frames;

/// <summary>Options of <see cref="FfmpegFrameReader.ReadAsync"/>.</summary>
public sealed record FrameReaderOptions
{
    /// <summary>Output frame rate (FFmpeg's fps filter drops or repeats frames); null keeps the source rate.</summary>
    public double? Fps { get; init; }

    /// <summary>Output width in pixels; with only one of <see cref="Width"/> and <see cref="Height"/> set, the other
    /// keeps the aspect ratio (rounded to an even number). Null for both keeps the source size.</summary>
    public int? Width { get; init; }

    /// <inheritdoc cref="Width"/>
    public int? Height { get; init; }
}

/// <summary>
/// One decoded frame: <see cref="Rgb"/> holds Height rows of Width pixels, 3 bytes each (R, G, B), no row padding:
/// FFmpeg's <c>rgb24</c>. The memory is the reader's buffer and is overwritten by the next frame.
/// </summary>
public readonly record struct RgbFrame(int Index, double Time, int Width, int Height, ReadOnlyMemory<byte> Rgb);

/// <summary>
/// Decodes a video to raw RGB frames by running <c>ffmpeg ... -f rawvideo -pix_fmt rgb24 pipe:1</c> and reading its
/// output one frame at a time into one reused buffer, so memory stays at one frame whatever the video's length.
/// Frame times are <c>index / fps</c> (the output rate), which is exact for constant-rate output. This file streams
/// every frame in order; FfmpegFrameReader.Seeking.cs picks single frames by time; <see cref="FfmpegProbe"/> probes.
/// </summary>
public static partial class FfmpegFrameReader
{
    /// <summary>
    /// Decodes <paramref name="path"/> frame by frame. Each yielded frame is valid until the enumeration moves on.
    /// Cancelling kills ffmpeg. A decoding failure throws <see cref="FfmpegException"/> with FFmpeg's message.
    /// </summary>
    public static async IAsyncEnumerable<RgbFrame> ReadAsync(string path, FrameReaderOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var info = await FfmpegProbe.ProbeAsync(path, cancellationToken);
        await foreach (var frame in ReadAsync(path, info, options, cancellationToken))
        {
            yield return frame;
        }
    }

    /// <summary>
    /// <see cref="ReadAsync(string, FrameReaderOptions?, CancellationToken)"/> for a caller that already has the video's
    /// <see cref="FfmpegProbe.ProbeAsync"/> result: an ffprobe run less (0.05–0.1 s, a process start).
    /// </summary>
    public static async IAsyncEnumerable<RgbFrame> ReadAsync(string path, VideoInfo info, FrameReaderOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(info);
        options ??= new FrameReaderOptions();
        if (options.Fps is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "Fps must be positive.");
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Video not found: '{path}'.", path);
        }

        var (width, height) = OutputSize(info, options);
        var fps = options.Fps ?? info.Fps;
        var filters = new List<string>();
        if (options.Fps is { } outFps)
        {
            filters.Add(FormattableString.Invariant($"fps={outFps}"));
        }

        if (width != info.Width || height != info.Height)
        {
            filters.Add(FormattableString.Invariant($"scale={width}:{height}:flags=bilinear"));
        }

        List<string> arguments = ["-nostdin", "-v", "error", .. UntrustedInput.Arguments, "-i", path, "-an", "-sn", "-dn"];
        if (filters.Count > 0)
        {
            arguments.AddRange(["-vf", string.Join(',', filters)]);
        }

        arguments.AddRange(["-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]);

        using var process = FfmpegProcess.Start(FfmpegProcess.Ffmpeg, arguments, cancellationToken);
        var buffer = new byte[checked(width * height * 3)];
        var index = 0;
        while (true)
        {
            var read = await process.Output.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();
            if (read == 0)
            {
                break;
            }

            if (read < buffer.Length)
            {
                var errors = await process.LastErrorLinesAsync();
                throw new FfmpegException($"ffmpeg stopped in the middle of frame {index} of '{path}' (exit code {process.ExitCode}): {errors}", output: errors);
            }

            yield return new RgbFrame(index, fps > 0 ? index / fps : 0, width, height, buffer);
            index++;
        }

        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            var errors = await process.LastErrorLinesAsync();
            throw new FfmpegException($"ffmpeg failed on '{path}' (exit code {process.ExitCode}): {errors}", output: errors);
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
}
