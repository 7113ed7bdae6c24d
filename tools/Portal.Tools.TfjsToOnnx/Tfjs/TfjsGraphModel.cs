using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Portal.Tools.TfjsToOnnx.Tfjs;

/// <summary>TensorFlow element types found in TFJS graph models.</summary>
internal enum TfType
{
    Float,
    Int32,
    Bool,
}

/// <summary>A constant (weight) tensor of a TFJS graph model, dequantised to float32 or kept as int32.</summary>
internal sealed class TfConstant(TfType type, int[] shape, float[]? floats, int[]? ints)
{
    public TfType Type { get; } = type;

    public int[] Shape { get; } = shape;

    public float[]? Floats { get; } = floats;

    public int[]? Ints { get; } = ints;

    public int Count => Type == TfType.Float ? Floats!.Length : Ints!.Length;

    /// <summary>The values as integers (int32 constants only).</summary>
    public int[] AsInts() => Ints ?? throw new InvalidOperationException("expected an int32 constant");
}

/// <summary>One node of the TensorFlow graph (model.json's modelTopology.node).</summary>
internal sealed class TfNode(string name, string op, string[] inputs, JsonElement attributes)
{
    public string Name { get; } = name;

    public string Op { get; } = op;

    /// <summary>Data inputs as "node" or "node:index"; control inputs ("^node") are dropped.</summary>
    public string[] Inputs { get; } = inputs;

    public bool HasAttr(string key) => attributes.ValueKind == JsonValueKind.Object && attributes.TryGetProperty(key, out _);

    public long Int(string key, long fallback = 0) =>
        TryAttr(key, out var a) && a.TryGetProperty("i", out var i) ? long.Parse(i.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : fallback;

    public bool Bool(string key, bool fallback = false) => TryAttr(key, out var a) && a.TryGetProperty("b", out var b) ? b.GetBoolean() : fallback;

    public string? String(string key) =>
        TryAttr(key, out var a) && a.TryGetProperty("s", out var s) ? Encoding.UTF8.GetString(Convert.FromBase64String(s.GetString()!)) : null;

    public string? TypeName(string key) => TryAttr(key, out var a) && a.TryGetProperty("type", out var t) ? t.GetString() : null;

    public long[] Ints(string key)
    {
        if (TryAttr(key, out var a) && a.TryGetProperty("list", out var list) && list.TryGetProperty("i", out var items))
        {
            return [.. items.EnumerateArray().Select(x => long.Parse(x.GetString()!, System.Globalization.CultureInfo.InvariantCulture))];
        }

        return [];
    }

    public string[] Strings(string key)
    {
        if (TryAttr(key, out var a) && a.TryGetProperty("list", out var list) && list.TryGetProperty("s", out var items))
        {
            return [.. items.EnumerateArray().Select(x => Encoding.UTF8.GetString(Convert.FromBase64String(x.GetString()!)))];
        }

        return [];
    }

    /// <summary>The static shape in a Placeholder's "shape" attribute; -1 marks an unknown dimension.</summary>
    public long[] PlaceholderShape()
    {
        if (TryAttr("shape", out var a) && a.TryGetProperty("shape", out var shape) && shape.TryGetProperty("dim", out var dims))
        {
            return [.. dims.EnumerateArray().Select(d => long.Parse(d.GetProperty("size").GetString()!, System.Globalization.CultureInfo.InvariantCulture))];
        }

        throw new InvalidDataException($"Placeholder '{Name}' has no static rank.");
    }

    private bool TryAttr(string key, out JsonElement value)
    {
        value = default;
        return attributes.ValueKind == JsonValueKind.Object && attributes.TryGetProperty(key, out value);
    }
}

/// <summary>
/// A TensorFlow.js graph model ("format": "graph-model"): the topology from model.json and the constants read
/// from the weight shards it lists (concatenated in order). float16-quantised weights become float32.
/// </summary>
internal sealed class TfjsGraphModel
{
    private TfjsGraphModel(List<TfNode> nodes, Dictionary<string, TfConstant> constants, string? generatedBy)
    {
        Nodes = nodes;
        Constants = constants;
        GeneratedBy = generatedBy;
    }

    public IReadOnlyList<TfNode> Nodes { get; }

    public IReadOnlyDictionary<string, TfConstant> Constants { get; }

    public string? GeneratedBy { get; }

    public static TfjsGraphModel Load(string modelJsonPath)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(modelJsonPath));
        var root = document.RootElement;
        var format = root.TryGetProperty("format", out var f) ? f.GetString() : null;
        if (format != "graph-model")
        {
            throw new InvalidDataException($"'{modelJsonPath}' is not a TensorFlow.js graph model (format '{format}').");
        }

        var nodes = new List<TfNode>();
        foreach (var node in root.GetProperty("modelTopology").GetProperty("node").EnumerateArray())
        {
            var inputs = node.TryGetProperty("input", out var ins)
                ? ins.EnumerateArray().Select(i => i.GetString()!).Where(i => !i.StartsWith('^')).ToArray()
                : [];
            var attributes = node.TryGetProperty("attr", out var attr) ? attr.Clone() : default;
            nodes.Add(new TfNode(node.GetProperty("name").GetString()!, node.GetProperty("op").GetString()!, inputs, attributes));
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(modelJsonPath))!;
        var constants = new Dictionary<string, TfConstant>(StringComparer.Ordinal);
        foreach (var group in root.GetProperty("weightsManifest").EnumerateArray())
        {
            var bytes = group.GetProperty("paths").EnumerateArray()
                .SelectMany(p => File.ReadAllBytes(Path.Combine(directory, p.GetString()!)))
                .ToArray();
            var offset = 0;
            foreach (var weight in group.GetProperty("weights").EnumerateArray())
            {
                var name = weight.GetProperty("name").GetString()!;
                var shape = weight.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
                var count = shape.Aggregate(1, (a, b) => a * b);
                var dtype = weight.GetProperty("dtype").GetString();
                var quantized = weight.TryGetProperty("quantization", out var q) ? q.GetProperty("dtype").GetString() : null;
                constants[name] = (dtype, quantized) switch
                {
                    ("float32", null) => new TfConstant(TfType.Float, shape, ReadFloat32(bytes, ref offset, count), null),
                    ("float32", "float16") => new TfConstant(TfType.Float, shape, ReadFloat16(bytes, ref offset, count), null),
                    ("int32", null) => new TfConstant(TfType.Int32, shape, null, ReadInt32(bytes, ref offset, count)),
                    ("bool", null) => new TfConstant(TfType.Bool, shape, null, ReadBool(bytes, ref offset, count)),
                    _ => throw new NotSupportedException($"Weight '{name}': dtype '{dtype}' with quantization '{quantized ?? "none"}' is not supported."),
                };
            }

            if (offset != bytes.Length)
            {
                throw new InvalidDataException($"The weight shards hold {bytes.Length} bytes but the manifest describes {offset}.");
            }
        }

        var generatedBy = root.TryGetProperty("generatedBy", out var g) ? g.GetString() : null;
        return new TfjsGraphModel(nodes, constants, generatedBy);
    }

    private static float[] ReadFloat32(byte[] bytes, ref int offset, int count)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++, offset += 4)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(offset));
        }

        return values;
    }

    private static float[] ReadFloat16(byte[] bytes, ref int offset, int count)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++, offset += 2)
        {
            values[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(bytes.AsSpan(offset));
        }

        return values;
    }

    private static int[] ReadInt32(byte[] bytes, ref int offset, int count)
    {
        var values = new int[count];
        for (var i = 0; i < count; i++, offset += 4)
        {
            values[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(offset));
        }

        return values;
    }

    private static int[] ReadBool(byte[] bytes, ref int offset, int count)
    {
        var values = new int[count];
        for (var i = 0; i < count; i++, offset++)
        {
            values[i] = bytes[offset] != 0 ? 1 : 0;
        }

        return values;
    }
}
