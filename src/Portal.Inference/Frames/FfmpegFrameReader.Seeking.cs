using System.Globalization;
using System.Text;

namespace Portal.Inference.Frames;

public static partial class FfmpegFrameReader
{
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
    /// <param name="info">The video's <see cref="FfmpegProbe.ProbeAsync"/> result: its rate snaps a time to its frame,
    /// and its frame count keeps the last one in reach.</param>
    public static IAsyncEnumerable<RgbFrame> ReadFramesAtAsync(string path, VideoInfo info, IReadOnlyList<double> seconds,
        CancellationToken cancellationToken = default) =>
        new FramePageReader(path, info).ReadAsync(seconds, cancellationToken);

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
    internal static async Task<int> ReadFirstFramesAsync(string path, IReadOnlyList<double> seeks, Memory<byte> into, int frameBytes, CancellationToken cancellationToken)
    {
        List<string> arguments = ["-nostdin", "-v", "error"];
        var graph = new StringBuilder();
        for (var i = 0; i < seeks.Count; i++)
        {
            arguments.AddRange(["-threads", "1", "-ss", seeks[i].ToString("0.######", CultureInfo.InvariantCulture), .. UntrustedInput.Arguments, "-i", path]);
            graph.Append(CultureInfo.InvariantCulture, $"[{i}:v:0]trim=end_frame=1,setpts=PTS-STARTPTS[f{i}];");
        }

        for (var i = 0; i < seeks.Count; i++)
        {
            graph.Append(CultureInfo.InvariantCulture, $"[f{i}]");
        }

        graph.Append(CultureInfo.InvariantCulture, $"concat=n={seeks.Count}:v=1:a=0[out]");
        // Passthrough: every frame has time 0 after setpts, and a constant-rate output would drop all but one.
        arguments.AddRange(["-filter_complex", graph.ToString(), "-map", "[out]", "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]);
        using var process = FfmpegProcess.Start(FfmpegProcess.Ffmpeg, arguments, cancellationToken);
        var read = await process.Output.ReadAtLeastAsync(into[..(seeks.Count * frameBytes)], seeks.Count * frameBytes, throwOnEndOfStream: false, cancellationToken);
        await process.Output.CopyToAsync(Stream.Null, cancellationToken); // anything more would block ffmpeg's exit
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            var errors = await process.LastErrorLinesAsync();
            throw new FfmpegException($"ffmpeg failed on '{path}' (exit code {process.ExitCode}): {errors}", output: errors);
        }

        return read / frameBytes;
    }
}
