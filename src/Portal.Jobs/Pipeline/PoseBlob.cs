using System.Buffers.Binary;
using Portal.Inference.Pose;

namespace Portal.Jobs.Pipeline;

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

    public static List<TrackFrame> Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length % FrameBytes != 0)
        {
            throw new ArgumentException($"A pose blob is a whole number of {FrameBytes}-byte frames; this one has {bytes.Length} bytes.");
        }

        var frames = new List<TrackFrame>(bytes.Length / FrameBytes);
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
