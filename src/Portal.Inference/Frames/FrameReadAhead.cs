using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Portal.Inference.Frames;

/// <summary>
/// Decoding overlapped with whatever consumes the frames: a task reads the source up to <c>depth</c> frames ahead into
/// a bounded channel, so FFmpeg decodes the next frames while the consumer runs the pose model on this one, instead of
/// each waiting for the other (a pipe holds less than one frame). Frames come out in the source's order, unchanged.
/// </summary>
public static class FrameReadAhead
{
    /// <summary>
    /// The frames of <paramref name="source"/>, read ahead on another task. A yielded frame's memory is valid until the
    /// consumer has asked for <paramref name="hold"/> more frames (1, the default: until the enumeration moves on, as
    /// with <see cref="FfmpegFrameReader"/>; a consumer that works on n frames at once holds n): it is then handed back
    /// for a later frame, so at most <paramref name="depth"/> + <paramref name="hold"/> + 1 frame buffers ever exist,
    /// whatever the video's length. A failure of the source
    /// (an <see cref="FfmpegException"/>) is thrown to the consumer after the frames read before it; a consumer that
    /// stops early or is cancelled stops the reading task (and so kills ffmpeg) before this returns.
    /// </summary>
    public static async IAsyncEnumerable<RgbFrame> ReadAheadAsync(this IAsyncEnumerable<RgbFrame> source, int depth, [EnumeratorCancellation] CancellationToken cancellationToken = default, int hold = 1)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(depth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hold);
        var filled = Channel.CreateBounded<(RgbFrame Frame, byte[] Buffer)>(new BoundedChannelOptions(depth) { SingleReader = true, SingleWriter = true });
        // Buffers the consumer is done with; never more than depth + hold + 1 exist, so this needs no bound of its own.
        var free = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var held = new Queue<byte[]>(hold);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reading = Task.Run(() => ReadAsync(source, filled.Writer, free.Reader, stop.Token), CancellationToken.None);
        try
        {
            while (await filled.Reader.WaitToReadAsync(cancellationToken))
            {
                while (filled.Reader.TryRead(out var item))
                {
                    yield return item.Frame;
                    // The consumer asked for the next frame, so it is done with the one `hold` frames back: hand that
                    // buffer back before taking another, or the reading task could allocate one more meanwhile.
                    held.Enqueue(item.Buffer);
                    if (held.Count == hold)
                    {
                        free.Writer.TryWrite(held.Dequeue());
                    }
                }
            }
        }
        finally
        {
            await stop.CancelAsync();
            await reading; // never throws: the reading task hands its errors to the channel
        }
    }

    private static async Task ReadAsync(IAsyncEnumerable<RgbFrame> source, ChannelWriter<(RgbFrame, byte[])> filled, ChannelReader<byte[]> free, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var frame in source.WithCancellation(cancellationToken))
            {
                // The source's buffer is overwritten by its next frame, so the frame is copied into one of ours.
                var buffer = free.TryRead(out var reused) && reused.Length == frame.Rgb.Length ? reused : new byte[frame.Rgb.Length];
                frame.Rgb.Span.CopyTo(buffer);
                await filled.WriteAsync((frame with { Rgb = buffer }, buffer), cancellationToken);
            }

            filled.TryComplete();
        }
        catch (Exception e)
        {
            filled.TryComplete(e);
        }
    }
}
