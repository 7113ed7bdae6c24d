using System.Runtime.CompilerServices;

namespace Portal.Inference.Frames;

/// <summary>
/// The frames nearest chosen times of one video, page after page into one buffer it keeps: what
/// <see cref="FfmpegFrameReader.ReadFramesAtAsync"/> does for one list of times, for a caller that asks again and again
/// (the keyframe stage, a page of segments at a time). A fresh buffer per page (8 MB for eight 768x432 frames, on the
/// large object heap) had that stage allocate ~40 MB every 2 s with two or three gen2 collections on an hour's clip;
/// a rented one from <c>ArrayPool.Shared</c> instead piled up one per thread the async calls resumed on.
/// Not thread-safe; frames are valid until the next call. A caller that reads one page while it works on another
/// keeps two readers.
/// </summary>
public sealed class FramePageReader(string path, VideoInfo info)
{
    private byte[]? _page;

    /// <inheritdoc cref="FfmpegFrameReader.ReadFramesAtAsync"/>
    public async IAsyncEnumerable<RgbFrame> ReadAsync(IReadOnlyList<double> seconds, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (var first = 0; first < seconds.Count; first += FfmpegFrameReader.FramesPerProcess)
        {
            var times = seconds.Skip(first).Take(FfmpegFrameReader.FramesPerProcess).ToList();
            foreach (var frame in await ReadPageAsync(times, first, cancellationToken))
            {
                yield return frame;
            }
        }
    }

    /// <summary>
    /// One page: the frames nearest up to <see cref="FfmpegFrameReader.FramesPerProcess"/> times, read by one ffmpeg
    /// process before the task completes, with <see cref="RgbFrame.Index"/> = the position in
    /// <paramref name="seconds"/>. Valid until the next call on this reader.
    /// </summary>
    public Task<IReadOnlyList<RgbFrame>> ReadPageAsync(IReadOnlyList<double> seconds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(seconds);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(seconds.Count, FfmpegFrameReader.FramesPerProcess, nameof(seconds));
        return ReadPageAsync(seconds, 0, cancellationToken);
    }

    private async Task<IReadOnlyList<RgbFrame>> ReadPageAsync(IReadOnlyList<double> times, int firstIndex, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Video not found: '{path}'.", path);
        }

        var frameBytes = checked(info.Width * info.Height * 3);
        var pageBytes = checked(frameBytes * times.Count);
        if (_page is null || _page.Length < pageBytes)
        {
            _page = new byte[pageBytes];
        }

        var buffer = _page;
        var seeks = times.Select(t => FfmpegFrameReader.SeekTimeOfFrameNearest(t, info)).ToList();
        if (seeks.Count > 0 && await FfmpegFrameReader.ReadFirstFramesAsync(path, seeks, buffer, frameBytes, cancellationToken) < times.Count)
        {
            // Fewer frames than inputs: which one is missing cannot be told, so each time is read on its own.
            for (var i = 0; i < times.Count; i++)
            {
                if (await FfmpegFrameReader.ReadFirstFramesAsync(path, [seeks[i]], buffer.AsMemory(i * frameBytes, frameBytes), frameBytes, cancellationToken) < 1)
                {
                    throw new FfmpegException($"ffmpeg returned no frame at {times[i]:0.###} s of '{path}'.");
                }
            }
        }

        return [.. times.Select((t, i) => new RgbFrame(firstIndex + i, t, info.Width, info.Height, buffer.AsMemory(i * frameBytes, frameBytes)))];
    }
}
