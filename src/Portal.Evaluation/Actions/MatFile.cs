using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Portal.Evaluation.Actions;

/// <summary>One variable of a MATLAB file: its dimensions and its values in MATLAB's column-major order (element
/// (r, c) of a 2-D array is <c>Values[r + c * Dims[0]]</c>), or its text for a char array.</summary>
public sealed record MatArray(int[] Dims, double[] Values, string? Text);

/// <summary>
/// Reads the numeric and char variables of a MATLAB level-5 MAT-file (little-endian, zlib-compressed elements or
/// not), as Penn Action stores its clips; what Python reads with scipy.io.loadmat. Cells, structs, sparse and
/// complex arrays are not needed here and are skipped.
/// </summary>
public static class MatFile
{
    private const int HeaderBytes = 128;
    private const uint MiMatrix = 14;
    private const uint MiCompressed = 15;
    private const byte CharClass = 4;

    public static IReadOnlyDictionary<string, MatArray> Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < HeaderBytes || Encoding.ASCII.GetString(bytes, 0, 6) != "MATLAB" || bytes[126] != (byte)'I' || bytes[127] != (byte)'M')
        {
            throw new InvalidDataException($"'{path}' is not a little-endian MATLAB 5 MAT-file.");
        }

        var variables = new Dictionary<string, MatArray>(StringComparer.Ordinal);
        ReadElements(bytes.AsSpan(HeaderBytes), variables, path);
        return variables;
    }

    private static void ReadElements(ReadOnlySpan<byte> data, Dictionary<string, MatArray> variables, string path)
    {
        var pos = 0;
        while (pos + 8 <= data.Length)
        {
            var (type, start, size, next) = Element(data, pos, path);
            if (type == MiCompressed)
            {
                using var zlib = new ZLibStream(new MemoryStream(data.Slice(start, size).ToArray()), CompressionMode.Decompress);
                using var inflated = new MemoryStream();
                zlib.CopyTo(inflated);
                ReadElements(inflated.ToArray(), variables, path);
            }
            else if (type == MiMatrix && size > 0 && ReadMatrix(data.Slice(start, size), path) is var (name, array) && array is not null)
            {
                variables[name] = array;
            }

            pos = next;
        }
    }

    /// <summary>The element at pos: (type, offset and byte count of its payload, offset of the next element). A
    /// "small" element packs its count into the tag's upper half and its data into the tag's second word; others are
    /// padded to 8 bytes, except compressed ones.</summary>
    private static (uint Type, int Start, int Size, int Next) Element(ReadOnlySpan<byte> data, int pos, string path)
    {
        var first = BinaryPrimitives.ReadUInt32LittleEndian(data[pos..]);
        if (first >> 16 != 0)
        {
            return (first & 0xFFFF, pos + 4, (int)(first >> 16), pos + 8);
        }

        var size = BinaryPrimitives.ReadInt32LittleEndian(data[(pos + 4)..]);
        if (size < 0 || pos + 8 + size > data.Length)
        {
            throw new InvalidDataException($"'{path}': a data element runs past the end of the file.");
        }

        var next = pos + 8 + size;
        if (first != MiCompressed)
        {
            next += (8 - size % 8) % 8;
        }

        return (first, pos + 8, size, Math.Min(next, data.Length));
    }

    private static (string Name, MatArray? Array) ReadMatrix(ReadOnlySpan<byte> m, string path)
    {
        var (_, flagsStart, _, pos) = Element(m, 0, path);
        var arrayClass = m[flagsStart];
        var (_, dimsStart, dimsSize, afterDims) = Element(m, pos, path);
        var dims = new int[dimsSize / 4];
        for (var i = 0; i < dims.Length; i++)
        {
            dims[i] = BinaryPrimitives.ReadInt32LittleEndian(m[(dimsStart + i * 4)..]);
        }

        var (_, nameStart, nameSize, afterName) = Element(m, afterDims, path);
        var name = Encoding.ASCII.GetString(m.Slice(nameStart, nameSize));
        if (afterName + 8 > m.Length)
        {
            return (name, null);
        }

        var (type, realStart, realSize, _) = Element(m, afterName, path);
        var real = m.Slice(realStart, realSize);
        var values = Numbers(type, real);
        if (values is null)
        {
            return (name, null);
        }

        string? text = null;
        if (arrayClass == CharClass)
        {
            text = type == 16 ? Encoding.UTF8.GetString(real) : new string(values.Select(v => (char)v).ToArray());
        }

        return (name, new MatArray(dims, values, text));
    }

    /// <summary>The payload of a numeric element as doubles (MATLAB may store a double array in a smaller integer
    /// type when its values fit); null for a type that is not numeric.</summary>
    private static double[]? Numbers(uint type, ReadOnlySpan<byte> d) => type switch
    {
        1 => Convert(d, 1, s => (sbyte)s[0]),
        2 or 16 => Convert(d, 1, s => s[0]),
        3 => Convert(d, 2, s => BinaryPrimitives.ReadInt16LittleEndian(s)),
        4 or 17 => Convert(d, 2, s => BinaryPrimitives.ReadUInt16LittleEndian(s)),
        5 => Convert(d, 4, s => BinaryPrimitives.ReadInt32LittleEndian(s)),
        6 => Convert(d, 4, s => BinaryPrimitives.ReadUInt32LittleEndian(s)),
        7 => Convert(d, 4, s => BinaryPrimitives.ReadSingleLittleEndian(s)),
        9 => Convert(d, 8, s => BinaryPrimitives.ReadDoubleLittleEndian(s)),
        12 => Convert(d, 8, s => BinaryPrimitives.ReadInt64LittleEndian(s)),
        13 => Convert(d, 8, s => BinaryPrimitives.ReadUInt64LittleEndian(s)),
        _ => null,
    };

    private delegate double Decode(ReadOnlySpan<byte> bytes);

    private static double[] Convert(ReadOnlySpan<byte> d, int width, Decode decode)
    {
        var values = new double[d.Length / width];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = decode(d.Slice(i * width, width));
        }

        return values;
    }
}
