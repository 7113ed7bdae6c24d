using System.Buffers.Binary;
using Portal.Inference.Pose;

namespace Portal.Inference.Blobs;

/// <summary>One frame of a stored track.</summary>
public sealed record TrackFrame(int Frame, double Seconds, PosePerson Person);

/// <summary>
/// The compact binary form of a track's poses (one blob per track). Little-endian; per frame:
/// int32 analysed-frame index, float32 time in seconds, then float16 x1, y1, x2, y2, box score, then for each of the
/// 17 COCO keypoints float16 x, y, score. Coordinates are source-frame pixels; float16 keeps them within 0.5 px up
/// to 1024 px and 1 px up to 2048 px, finer than pose models are accurate.
/// </summary>
public static class PoseBlob
{
    private const int Joints = 17;
    private const int FrameBytes = 4 + 4 + (5 + Joints * 3) * 2;

    public static byte[] Encode(IReadOnlyList<TrackFrame> frames)
    {
        var bytes = new byte[frames.Count * FrameBytes];
        var span = bytes.AsSpan();
        foreach (var frame in frames)
        {
            if (frame.Person.Keypoints.Count != Joints)
            {
                throw new ArgumentException($"A stored pose has {Joints} keypoints, not {frame.Person.Keypoints.Count}.");
            }

            BinaryPrimitives.WriteInt32LittleEndian(span, frame.Frame);
            BinaryPrimitives.WriteSingleLittleEndian(span[4..], (float)frame.Seconds);
            var box = frame.Person.Box ?? default;
            var offset = 8;
            foreach (var value in new[] { box.X1, box.Y1, box.X2, box.Y2, box.Score })
            {
                BinaryPrimitives.WriteHalfLittleEndian(span[offset..], (Half)value);
                offset += 2;
            }

            foreach (var k in frame.Person.Keypoints)
            {
                BinaryPrimitives.WriteHalfLittleEndian(span[offset..], (Half)k.X);
                BinaryPrimitives.WriteHalfLittleEndian(span[(offset + 2)..], (Half)k.Y);
                BinaryPrimitives.WriteHalfLittleEndian(span[(offset + 4)..], (Half)k.Score);
                offset += 6;
            }

            span = span[FrameBytes..];
        }

        return bytes;
    }

    /// <summary>The number of frames in a blob.</summary>
    public static int FrameCount(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length % FrameBytes != 0)
        {
            throw new ArgumentException($"A pose blob is a whole number of {FrameBytes}-byte frames; this one has {bytes.Length} bytes.");
        }

        return bytes.Length / FrameBytes;
    }

    /// <summary>Every frame's time in seconds (in the order stored, which is time order), without decoding poses.</summary>
    public static double[] Times(ReadOnlySpan<byte> bytes)
    {
        var times = new double[FrameCount(bytes)];
        for (var i = 0; i < times.Length; i++)
        {
            times[i] = TimeOf(bytes, i);
        }

        return times;
    }

    /// <summary>The index of the frame whose time is closest to <paramref name="seconds"/> (the earlier one on a tie).</summary>
    public static int NearestFrame(ReadOnlySpan<byte> bytes, double seconds)
    {
        if (FrameCount(bytes) == 0)
        {
            throw new ArgumentException("An empty pose blob has no frames.", nameof(bytes));
        }

        var next = LeadingFrames(bytes, t => t < seconds); // the first frame at or after the time
        if (next == FrameCount(bytes))
        {
            return next - 1;
        }

        return next > 0 && seconds - TimeOf(bytes, next - 1) <= TimeOf(bytes, next) - seconds ? next - 1 : next;
    }

    /// <summary>The frames with <paramref name="from"/> &lt;= time &lt;= <paramref name="to"/> (within a microsecond).</summary>
    public static List<TrackFrame> DecodeBetween(ReadOnlySpan<byte> bytes, double from, double to)
    {
        var first = LeadingFrames(bytes, t => t < from - 1e-6);
        var end = Math.Max(first, LeadingFrames(bytes, t => t <= to + 1e-6));
        return Decode(bytes, first, end - first);
    }

    /// <summary>
    /// How many frames from the start have a time for which <paramref name="before"/> holds; times ascend, so those
    /// frames come first and a binary search finds where they end.
    /// </summary>
    private static int LeadingFrames(ReadOnlySpan<byte> bytes, Func<double, bool> before)
    {
        var (low, high) = (0, FrameCount(bytes));
        while (low < high)
        {
            var middle = (low + high) / 2;
            (low, high) = before(TimeOf(bytes, middle)) ? (middle + 1, high) : (low, middle);
        }

        return low;
    }

    private static double TimeOf(ReadOnlySpan<byte> bytes, int frame) => BinaryPrimitives.ReadSingleLittleEndian(bytes[(frame * FrameBytes + 4)..]);

    public static List<TrackFrame> Decode(ReadOnlySpan<byte> bytes) => Decode(bytes, 0, FrameCount(bytes));

    /// <summary>Frames <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> - 1 alone.</summary>
    public static List<TrackFrame> Decode(ReadOnlySpan<byte> bytes, int first, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(first + count, FrameCount(bytes));
        bytes = bytes.Slice(first * FrameBytes, count * FrameBytes);
        var frames = new List<TrackFrame>(count);
        for (; bytes.Length > 0; bytes = bytes[FrameBytes..])
        {
            var box = new PersonBox(H(bytes, 8), H(bytes, 10), H(bytes, 12), H(bytes, 14), H(bytes, 16));
            var keypoints = new Keypoint[Joints];
            for (var j = 0; j < Joints; j++)
            {
                var at = 18 + j * 6;
                keypoints[j] = new Keypoint(H(bytes, at), H(bytes, at + 2), H(bytes, at + 4));
            }

            frames.Add(new TrackFrame(
                BinaryPrimitives.ReadInt32LittleEndian(bytes),
                BinaryPrimitives.ReadSingleLittleEndian(bytes[4..]),
                new PosePerson(box, keypoints)));
        }

        return frames;
    }

    private static float H(ReadOnlySpan<byte> bytes, int at) => (float)BinaryPrimitives.ReadHalfLittleEndian(bytes[at..]);
}
