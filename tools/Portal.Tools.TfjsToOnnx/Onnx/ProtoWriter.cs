using System.Buffers.Binary;
using System.Text;

namespace Portal.Tools.TfjsToOnnx.Onnx;

/// <summary>
/// The few pieces of the protobuf wire format that ONNX's ModelProto needs: varints, fixed32 floats and
/// length-delimited fields. Repeated scalars are written unpacked (one tag each), which every parser accepts.
/// </summary>
internal sealed class ProtoWriter
{
    private const int WireVarint = 0;
    private const int WireLengthDelimited = 2;
    private const int WireFixed32 = 5;

    private readonly MemoryStream _buffer = new();

    public byte[] ToArray() => _buffer.ToArray();

    public void Int64(int field, long value)
    {
        Tag(field, WireVarint);
        Varint(unchecked((ulong)value));
    }

    public void Float(int field, float value)
    {
        Tag(field, WireFixed32);
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
        _buffer.Write(bytes);
    }

    public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public void Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, WireLengthDelimited);
        Varint((ulong)value.Length);
        _buffer.Write(value);
    }

    public void Message(int field, Action<ProtoWriter> write)
    {
        var nested = new ProtoWriter();
        write(nested);
        Bytes(field, nested.ToArray());
    }

    private void Tag(int field, int wireType) => Varint((ulong)((field << 3) | wireType));

    private void Varint(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        _buffer.WriteByte((byte)value);
    }
}
