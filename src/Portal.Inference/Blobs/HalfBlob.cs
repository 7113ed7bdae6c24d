using System.Buffers.Binary;

namespace Portal.Inference.Blobs;

/// <summary>Arrays of floats stored as little-endian IEEE float16: half the bytes, about 3 significant digits.</summary>
public static class HalfBlob
{
    public static byte[] Encode(ReadOnlySpan<float> values)
    {
        var bytes = new byte[values.Length * 2];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(i * 2), (Half)values[i]);
        }

        return bytes;
    }

    public static float[] Decode(ReadOnlySpan<byte> bytes)
    {
        var values = new float[bytes.Length / 2];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(bytes[(i * 2)..]);
        }

        return values;
    }
}
