using System.Runtime.InteropServices;

namespace Portal.Tools.TfjsToOnnx.Onnx;

/// <summary>ONNX TensorProto.DataType values used by the converter.</summary>
internal enum OnnxType
{
    Float = 1,
    Uint8 = 2,
    Int8 = 3,
    Int32 = 6,
    Int64 = 7,
    Bool = 9,
}

internal sealed record OnnxAttribute(string Name, object Value);

internal sealed record OnnxNode(string OpType, string Name, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs, IReadOnlyList<OnnxAttribute> Attributes);

internal sealed record OnnxInitializer(string Name, OnnxType Type, long[] Dims, byte[] RawData);

/// <summary>A graph input or output; a null dimension is symbolic and named by <see cref="DimNames"/>; null
/// <see cref="Dims"/> leaves the shape to ONNX Runtime's inference.</summary>
internal sealed record OnnxValueInfo(string Name, OnnxType Type, long?[]? Dims, string[]? DimNames);

/// <summary>An ONNX graph under construction, and its serialisation as a ModelProto (field numbers from onnx.proto).</summary>
internal sealed class OnnxGraph
{
    private readonly List<OnnxNode> _nodes = [];
    private readonly List<OnnxInitializer> _initializers = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private int _counter;

    public List<OnnxValueInfo> Inputs { get; } = [];

    public List<OnnxValueInfo> Outputs { get; } = [];

    public IReadOnlyList<OnnxNode> Nodes => _nodes;

    public IReadOnlyList<OnnxInitializer> Initializers => _initializers;

    /// <summary>A value name not used yet, derived from <paramref name="hint"/>.</summary>
    public string UniqueName(string hint)
    {
        var name = hint;
        while (!_names.Add(name))
        {
            name = $"{hint}__{++_counter}";
        }

        return name;
    }

    public void Reserve(string name) => _names.Add(name);

    /// <summary>Adds a node with the given output names.</summary>
    public void Add(string opType, string name, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs, params OnnxAttribute[] attributes)
    {
        foreach (var output in outputs)
        {
            _names.Add(output);
        }

        _nodes.Add(new OnnxNode(opType, name, inputs, outputs, attributes));
    }

    /// <summary>Adds a node with one fresh output and returns that output's name.</summary>
    public string Add1(string opType, string hint, IReadOnlyList<string> inputs, params OnnxAttribute[] attributes)
    {
        var output = UniqueName(hint);
        Add(opType, output, inputs, [output], attributes);
        return output;
    }

    public string Initializer(string hint, OnnxType type, long[] dims, byte[] raw)
    {
        var name = UniqueName(hint);
        _initializers.Add(new OnnxInitializer(name, type, dims, raw));
        return name;
    }

    /// <summary>Adds an initializer under its own name (copying one from another graph).</summary>
    public void Add(OnnxInitializer initializer)
    {
        _names.Add(initializer.Name);
        _initializers.Add(initializer);
    }

    public string Float32(string hint, long[] dims, ReadOnlySpan<float> values) =>
        Initializer(hint, OnnxType.Float, dims, MemoryMarshal.AsBytes(values).ToArray());

    public string Int32(string hint, long[] dims, ReadOnlySpan<int> values) =>
        Initializer(hint, OnnxType.Int32, dims, MemoryMarshal.AsBytes(values).ToArray());

    public string Int64(string hint, long[] dims, ReadOnlySpan<long> values) =>
        Initializer(hint, OnnxType.Int64, dims, MemoryMarshal.AsBytes(values).ToArray());

    public string Int64Vector(string hint, params long[] values) => Int64(hint, [values.Length], values);

    public byte[] ToModelProto(int opset, string producer, IReadOnlyDictionary<string, string> metadata)
    {
        var model = new ProtoWriter();
        model.Int64(1, 8); // ir_version 8 (ONNX 1.10+), enough for opset 18
        model.String(2, producer);
        model.String(3, "1");
        model.Message(7, WriteGraph);
        model.Message(8, opsetId =>
        {
            opsetId.String(1, "");
            opsetId.Int64(2, opset);
        });
        foreach (var (key, value) in metadata)
        {
            model.Message(14, entry =>
            {
                entry.String(1, key);
                entry.String(2, value);
            });
        }

        return model.ToArray();
    }

    private void WriteGraph(ProtoWriter graph)
    {
        foreach (var node in _nodes)
        {
            graph.Message(1, w => WriteNode(w, node));
        }

        graph.String(2, "main");
        foreach (var initializer in _initializers)
        {
            graph.Message(5, w => WriteTensor(w, initializer));
        }

        foreach (var input in Inputs)
        {
            graph.Message(11, w => WriteValueInfo(w, input));
        }

        foreach (var output in Outputs)
        {
            graph.Message(12, w => WriteValueInfo(w, output));
        }
    }

    private static void WriteNode(ProtoWriter w, OnnxNode node)
    {
        foreach (var input in node.Inputs)
        {
            w.String(1, input);
        }

        foreach (var output in node.Outputs)
        {
            w.String(2, output);
        }

        w.String(3, node.Name);
        w.String(4, node.OpType);
        foreach (var attribute in node.Attributes)
        {
            w.Message(5, a => WriteAttribute(a, attribute));
        }
    }

    // AttributeProto: name=1, f=2, i=3, s=4, t=5, floats=7, ints=8, type=20 (FLOAT=1, INT=2, STRING=3, TENSOR=4, FLOATS=6, INTS=7).
    private static void WriteAttribute(ProtoWriter w, OnnxAttribute attribute)
    {
        w.String(1, attribute.Name);
        switch (attribute.Value)
        {
            case float f:
                w.Float(2, f);
                w.Int64(20, 1);
                break;
            case long i:
                w.Int64(3, i);
                w.Int64(20, 2);
                break;
            case int i:
                w.Int64(3, i);
                w.Int64(20, 2);
                break;
            case string s:
                w.String(4, s);
                w.Int64(20, 3);
                break;
            case OnnxInitializer t:
                w.Message(5, tw => WriteTensor(tw, t));
                w.Int64(20, 4);
                break;
            case float[] fs:
                foreach (var f in fs)
                {
                    w.Float(7, f);
                }

                w.Int64(20, 6);
                break;
            case long[] ints:
                foreach (var i in ints)
                {
                    w.Int64(8, i);
                }

                w.Int64(20, 7);
                break;
            default:
                throw new InvalidOperationException($"Attribute '{attribute.Name}' has an unsupported value type {attribute.Value.GetType().Name}.");
        }
    }

    // TensorProto: dims=1, data_type=2, name=8, raw_data=9 (little-endian).
    private static void WriteTensor(ProtoWriter w, OnnxInitializer tensor)
    {
        foreach (var dim in tensor.Dims)
        {
            w.Int64(1, dim);
        }

        w.Int64(2, (long)tensor.Type);
        w.String(8, tensor.Name);
        w.Bytes(9, tensor.RawData);
    }

    // ValueInfoProto: name=1, type=2; TypeProto.tensor_type=1; Tensor: elem_type=1, shape=2; Dimension: dim_value=1, dim_param=2.
    private static void WriteValueInfo(ProtoWriter w, OnnxValueInfo info)
    {
        w.String(1, info.Name);
        w.Message(2, type => type.Message(1, tensor =>
        {
            tensor.Int64(1, (long)info.Type);
            if (info.Dims is null)
            {
                return;
            }

            tensor.Message(2, shape =>
            {
                for (var i = 0; i < info.Dims.Length; i++)
                {
                    var dim = info.Dims[i];
                    var dimName = info.DimNames?[i] ?? $"d{i}";
                    shape.Message(1, d =>
                    {
                        if (dim is { } value)
                        {
                            d.Int64(1, value);
                        }
                        else
                        {
                            d.String(2, dimName);
                        }
                    });
                }
            });
        }));
    }
}
