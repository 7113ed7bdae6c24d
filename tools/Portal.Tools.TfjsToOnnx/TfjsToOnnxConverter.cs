using Portal.Tools.TfjsToOnnx.Onnx;

namespace Portal.Tools.TfjsToOnnx;

/// <summary>Thrown when the TensorFlow graph holds an op (or an op variant) the converter does not map.</summary>
public sealed class UnsupportedOpException(string op, string node, string detail)
    : Exception($"TensorFlow op '{op}' (node '{node}') cannot be converted to ONNX: {detail}.")
{
    public string Op { get; } = op;

    public string Node { get; } = node;
}

/// <summary>The graph's interface after conversion; <see cref="Outputs"/> are the ONNX output names in order.</summary>
internal sealed record ConvertedGraph(OnnxGraph Graph, string InputName, long[] InputShape, IReadOnlyList<string> Outputs);

/// <summary>
/// What to convert. <see cref="Outputs"/>: ONNX output name → TF tensor ("node" or "node:1"); the default is the
/// graph's sink "Identity" as "output". <see cref="Aliases"/>: TF node → TF tensor it is replaced by (to bypass a
/// sub-graph, e.g. MoveNet's batch-1 unstack/stack of the input). <see cref="DynamicBatch"/> makes the input's first
/// dimension symbolic.
/// </summary>
internal sealed record ConversionOptions
{
    public IReadOnlyList<KeyValuePair<string, string>> Outputs { get; init; } = [new("output", "Identity")];

    public IReadOnlyDictionary<string, string> Aliases { get; init; } = new Dictionary<string, string>();

    public bool DynamicBatch { get; init; }
}

/// <summary>
/// Maps a TensorFlow.js graph model node by node onto ONNX opset <see cref="Opset"/>. TensorFlow keeps NHWC
/// throughout; convolutions and pooling are wrapped in transposes to ONNX's NCHW (ONNX Runtime's transpose
/// optimizer removes the pairs between consecutive convolutions). Int32 index arithmetic stays int32 as in
/// TensorFlow; ONNX ops that insist on int64 (shapes, axes, indices) get a cast or an int64 constant.
/// </summary>
internal sealed class TfjsToOnnxConverter
{
    public const int Opset = 18;

    private readonly TfjsGraphModel _model;
    private readonly OnnxGraph _graph = new();
    private readonly Dictionary<string, TfNode> _byName;
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TfType> _types = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _constInitializers = new(StringComparer.Ordinal);

    private TfjsToOnnxConverter(TfjsGraphModel model)
    {
        _model = model;
        _byName = model.Nodes.ToDictionary(n => n.Name, StringComparer.Ordinal);
    }

    /// <summary>Converts the graph: its single Placeholder becomes the ONNX input "input"; by default the graph's
    /// sink "Identity" becomes the output "output" (see <see cref="ConversionOptions"/>).</summary>
    public static ConvertedGraph Convert(TfjsGraphModel model, ConversionOptions? options = null)
    {
        var converter = new TfjsToOnnxConverter(model);
        return converter.Run(options ?? new ConversionOptions());
    }

    private ConvertedGraph Run(ConversionOptions options)
    {
        var placeholders = _model.Nodes.Where(n => n.Op == "Placeholder").ToList();
        if (placeholders.Count != 1)
        {
            throw new InvalidDataException($"Expected one Placeholder (the image input); the graph has {placeholders.Count}.");
        }

        foreach (var name in options.Outputs.Select(o => o.Value).Concat(options.Aliases.Keys).Concat(options.Aliases.Values))
        {
            if (!_byName.ContainsKey(SplitRef(name).Name))
            {
                throw new InvalidDataException($"The graph has no node named '{SplitRef(name).Name}'.");
            }
        }

        var input = placeholders[0];
        var inputType = ParseType(input.TypeName("dtype"), input);
        var shape = input.PlaceholderShape();
        if (options.DynamicBatch)
        {
            shape[0] = -1;
        }

        string[] dimNames = ["batch", "height", "width", "channels"];
        _graph.Inputs.Add(new OnnxValueInfo("input", ToOnnx(inputType), [.. shape.Select(d => d < 0 ? (long?)null : d)], dimNames));
        _graph.Reserve("input");
        Bind(input.Name, 0, "input", inputType);

        foreach (var node in TopologicalOrder(options.Outputs.Select(o => SplitRef(o.Value).Name), options.Aliases))
        {
            if (node.Op is "Const" or "Placeholder")
            {
                continue;
            }

            if (options.Aliases.TryGetValue(node.Name, out var replacement))
            {
                Bind(node.Name, 0, Value(replacement), TypeOf(replacement));
                continue;
            }

            ConvertNode(node);
        }

        foreach (var (name, reference) in options.Outputs)
        {
            _graph.Reserve(name);
            _graph.Add("Identity", name, [Value(reference)], [name]);
            _graph.Outputs.Add(new OnnxValueInfo(name, ToOnnx(TypeOf(reference)), null, null));
        }

        return new ConvertedGraph(_graph, "input", shape, [.. options.Outputs.Select(o => o.Key)]);
    }

    private List<TfNode> TopologicalOrder(IEnumerable<string> roots, IReadOnlyDictionary<string, string> aliases)
    {
        var order = new List<TfNode>();
        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<(TfNode Node, bool Expanded)>();
        foreach (var root in roots.Reverse())
        {
            stack.Push((_byName[root], false));
        }

        while (stack.Count > 0)
        {
            var (node, expanded) = stack.Pop();
            if (expanded)
            {
                state[node.Name] = 2;
                order.Add(node);
                continue;
            }

            if (state.ContainsKey(node.Name))
            {
                continue;
            }

            state[node.Name] = 1;
            stack.Push((node, true));
            string[] inputs = aliases.TryGetValue(node.Name, out var replacement) ? [replacement] : node.Inputs;
            foreach (var input in inputs)
            {
                var (name, _) = SplitRef(input);
                if (!_byName.TryGetValue(name, out var producer))
                {
                    throw new InvalidDataException($"Node '{node.Name}' reads '{input}', which no node produces.");
                }

                if (!state.ContainsKey(name))
                {
                    stack.Push((producer, false));
                }
            }
        }

        return order;
    }

    private void ConvertNode(TfNode n)
    {
        switch (n.Op)
        {
            case "Identity":
                Bind(n.Name, 0, In(n, 0), TypeOf(n.Inputs[0]));
                break;
            case "AddV2" or "Add":
                Binary(n, "Add");
                break;
            case "Sub":
                Binary(n, "Sub");
                break;
            case "Mul":
                Binary(n, "Mul");
                break;
            case "RealDiv":
                Binary(n, "Div");
                break;
            case "Minimum":
                Binary(n, "Min");
                break;
            case "Maximum":
                Binary(n, "Max");
                break;
            case "Less":
                Binary(n, "Less", TfType.Bool);
                break;
            case "LessEqual":
                Binary(n, "LessOrEqual", TfType.Bool);
                break;
            case "Greater":
                Binary(n, "Greater", TfType.Bool);
                break;
            case "GreaterEqual":
                Binary(n, "GreaterOrEqual", TfType.Bool);
                break;
            case "Equal":
                Binary(n, "Equal", TfType.Bool);
                break;
            case "LogicalAnd":
                Binary(n, "And", TfType.Bool);
                break;
            case "SquaredDifference":
                {
                    var diff = _graph.Add1("Sub", n.Name + "/diff", [In(n, 0), In(n, 1)]);
                    Bind(n.Name, 0, _graph.Add1("Mul", n.Name, [diff, diff]), TypeOf(n.Inputs[0]));
                    break;
                }

            case "AddN":
                Bind(n.Name, 0, _graph.Add1("Sum", n.Name, [.. n.Inputs.Select((_, i) => In(n, i))]), TypeOf(n.Inputs[0]));
                break;
            case "Sigmoid" or "Sqrt" or "Exp" or "Abs" or "Reciprocal" or "Relu" or "Tanh" or "Floor" or "Neg" or "Log":
                Bind(n.Name, 0, _graph.Add1(n.Op, n.Name, [In(n, 0)]), TypeOf(n.Inputs[0]));
                break;
            case "Rsqrt":
                Bind(n.Name, 0, _graph.Add1("Reciprocal", n.Name, [_graph.Add1("Sqrt", n.Name + "/sqrt", [In(n, 0)])]), TfType.Float);
                break;
            case "Relu6":
                Bind(n.Name, 0, Relu6(In(n, 0), n.Name), TfType.Float);
                break;
            case "FloorDiv":
                FloorDiv(n);
                break;
            case "Cast":
                {
                    var to = ParseType(n.TypeName("DstT"), n);
                    Bind(n.Name, 0, _graph.Add1("Cast", n.Name, [In(n, 0)], new OnnxAttribute("to", (long)ToOnnx(to))), to);
                    break;
                }

            case "Conv2D" or "_FusedConv2D":
                Convolution(n, depthwise: false);
                break;
            case "DepthwiseConv2dNative" or "FusedDepthwiseConv2dNative":
                Convolution(n, depthwise: true);
                break;
            case "MaxPool":
                MaxPool(n);
                break;
            case "ResizeBilinear":
                ResizeBilinear(n);
                break;
            case "Reshape":
                Bind(n.Name, 0, _graph.Add1("Reshape", n.Name, [In(n, 0), Int64Input(n, 1)]), TypeOf(n.Inputs[0]));
                break;
            case "ExpandDims":
                Bind(n.Name, 0, _graph.Add1("Unsqueeze", n.Name, [In(n, 0), _graph.Int64Vector(n.Name + "/axes", ConstInts(n, 1).Select(v => (long)v).ToArray())]), TypeOf(n.Inputs[0]));
                break;
            case "Squeeze":
                {
                    var dims = n.Ints("squeeze_dims");
                    string[] inputs = dims.Length == 0 ? [In(n, 0)] : [In(n, 0), _graph.Int64Vector(n.Name + "/axes", dims)];
                    Bind(n.Name, 0, _graph.Add1("Squeeze", n.Name, inputs), TypeOf(n.Inputs[0]));
                    break;
                }

            case "Pack":
                Pack(n);
                break;
            case "Unpack":
                Unpack(n);
                break;
            case "ConcatV2":
                {
                    var axis = ConstInts(n, n.Inputs.Length - 1).Single();
                    var inputs = Enumerable.Range(0, n.Inputs.Length - 1).Select(i => In(n, i)).ToArray();
                    Bind(n.Name, 0, _graph.Add1("Concat", n.Name, inputs, new OnnxAttribute("axis", (long)axis)), TypeOf(n.Inputs[0]));
                    break;
                }

            case "Shape":
                Bind(n.Name, 0, CastTo(_graph.Add1("Shape", n.Name + "/i64", [In(n, 0)]), IndexType(n, "out_type"), n.Name), IndexType(n, "out_type"));
                break;
            case "Size":
                Bind(n.Name, 0, CastTo(_graph.Add1("Size", n.Name + "/i64", [In(n, 0)]), IndexType(n, "out_type"), n.Name), IndexType(n, "out_type"));
                break;
            case "StridedSlice":
                StridedSlice(n);
                break;
            case "Range":
                Bind(n.Name, 0, _graph.Add1("Range", n.Name, [In(n, 0), In(n, 1), In(n, 2)]), TypeOf(n.Inputs[0]));
                break;
            case "Fill":
                Bind(n.Name, 0, _graph.Add1("Expand", n.Name, [In(n, 1), Int64Input(n, 0)]), TypeOf(n.Inputs[1]));
                break;
            case "Tile":
                Bind(n.Name, 0, _graph.Add1("Tile", n.Name, [In(n, 0), Int64Input(n, 1)]), TypeOf(n.Inputs[0]));
                break;
            case "Select" or "SelectV2":
                Bind(n.Name, 0, _graph.Add1("Where", n.Name, [In(n, 0), In(n, 1), In(n, 2)]), TypeOf(n.Inputs[1]));
                break;
            case "ArgMax":
                {
                    var axis = ConstInts(n, 1).Single();
                    var arg = _graph.Add1("ArgMax", n.Name + "/i64", [In(n, 0)], new OnnxAttribute("axis", (long)axis), new OnnxAttribute("keepdims", 0L), new OnnxAttribute("select_last_index", 0L));
                    var type = IndexType(n, "output_type");
                    Bind(n.Name, 0, CastTo(arg, type, n.Name), type);
                    break;
                }

            case "TopKV2":
                TopK(n);
                break;
            case "GatherNd":
                Bind(n.Name, 0, _graph.Add1("GatherND", n.Name, [In(n, 0), Int64Input(n, 1)]), TypeOf(n.Inputs[0]));
                break;
            case "Split":
                Split(n);
                break;
            case "Max" or "Sum" or "Min" or "Mean":
                {
                    var op = n.Op switch { "Max" => "ReduceMax", "Min" => "ReduceMin", "Sum" => "ReduceSum", _ => "ReduceMean" };
                    var reduced = _graph.Add1(op, n.Name, [In(n, 0), Int64Input(n, 1, asVector: true)], new OnnxAttribute("keepdims", n.Bool("keep_dims") ? 1L : 0L));
                    Bind(n.Name, 0, reduced, TypeOf(n.Inputs[0]));
                    break;
                }

            default:
                throw new UnsupportedOpException(n.Op, n.Name, "no mapping is implemented for this op");
        }
    }

    private void Binary(TfNode n, string onnxOp, TfType? resultType = null) =>
        Bind(n.Name, 0, _graph.Add1(onnxOp, n.Name, [In(n, 0), In(n, 1)]), resultType ?? TypeOf(n.Inputs[0]));

    private void FloorDiv(TfNode n)
    {
        var type = TypeOf(n.Inputs[0]);
        if (type == TfType.Float)
        {
            Bind(n.Name, 0, _graph.Add1("Floor", n.Name, [_graph.Add1("Div", n.Name + "/div", [In(n, 0), In(n, 1)])]), type);
            return;
        }

        // ONNX's integer Div truncates toward zero; TensorFlow floors. Doubles hold every int32 exactly.
        const long doubleType = 11;
        var a = _graph.Add1("Cast", n.Name + "/a", [In(n, 0)], new OnnxAttribute("to", doubleType));
        var b = _graph.Add1("Cast", n.Name + "/b", [In(n, 1)], new OnnxAttribute("to", doubleType));
        var floor = _graph.Add1("Floor", n.Name + "/floor", [_graph.Add1("Div", n.Name + "/div", [a, b])]);
        Bind(n.Name, 0, _graph.Add1("Cast", n.Name, [floor], new OnnxAttribute("to", (long)ToOnnx(type))), type);
    }

    private string Relu6(string x, string hint)
    {
        var min = _graph.Float32(hint + "/min", [], [0f]);
        var max = _graph.Float32(hint + "/max", [], [6f]);
        return _graph.Add1("Clip", hint + "/relu6", [x, min, max]);
    }

    private void Convolution(TfNode n, bool depthwise)
    {
        RequireNhwc(n);
        var filter = Const(n, 1) ?? throw new UnsupportedOpException(n.Op, n.Name, "the filter is not a constant");
        if (filter.Type != TfType.Float || filter.Shape.Length != 4)
        {
            throw new UnsupportedOpException(n.Op, n.Name, "the filter is not a 4-D float tensor");
        }

        int kh = filter.Shape[0], kw = filter.Shape[1], cin = filter.Shape[2], cout = filter.Shape[3];
        var source = filter.Floats!;
        float[] weights;
        long[] dims;
        long group;
        if (depthwise)
        {
            // TF [kh, kw, in, multiplier] -> ONNX [in * multiplier, 1, kh, kw] with group = in; TF orders output
            // channels as in * multiplier + m, which is ONNX's grouping order.
            weights = new float[source.Length];
            for (var y = 0; y < kh; y++)
            {
                for (var x = 0; x < kw; x++)
                {
                    for (var c = 0; c < cin; c++)
                    {
                        for (var m = 0; m < cout; m++)
                        {
                            weights[((((c * cout) + m) * kh) + y) * kw + x] = source[(((y * kw) + x) * cin + c) * cout + m];
                        }
                    }
                }
            }

            dims = [cin * cout, 1, kh, kw];
            group = cin;
        }
        else
        {
            // TF [kh, kw, in, out] -> ONNX [out, in, kh, kw].
            weights = new float[source.Length];
            for (var y = 0; y < kh; y++)
            {
                for (var x = 0; x < kw; x++)
                {
                    for (var c = 0; c < cin; c++)
                    {
                        for (var o = 0; o < cout; o++)
                        {
                            weights[(((o * cin) + c) * kh + y) * kw + x] = source[(((y * kw) + x) * cin + c) * cout + o];
                        }
                    }
                }
            }

            dims = [cout, cin, kh, kw];
            group = 1;
        }

        var fused = n.Strings("fused_ops");
        var convInputs = new List<string> { Nchw(In(n, 0), n.Name), _graph.Float32(n.Name + "/W", dims, weights) };
        var activations = fused.ToList();
        if (activations.Count > 0 && activations[0] == "BiasAdd")
        {
            var bias = Const(n, 2) ?? throw new UnsupportedOpException(n.Op, n.Name, "the fused bias is not a constant");
            convInputs.Add(_graph.Float32(n.Name + "/B", [bias.Count], bias.Floats));
            activations.RemoveAt(0);
        }

        var strides = n.Ints("strides");
        var dilations = n.Ints("dilations");
        var conv = _graph.Add1("Conv", n.Name + "/conv", convInputs,
            new OnnxAttribute("kernel_shape", new long[] { kh, kw }),
            new OnnxAttribute("strides", new[] { strides[1], strides[2] }),
            new OnnxAttribute("dilations", dilations.Length == 4 ? new[] { dilations[1], dilations[2] } : new long[] { 1, 1 }),
            new OnnxAttribute("group", group),
            new OnnxAttribute("auto_pad", Padding(n)));
        foreach (var activation in activations)
        {
            conv = activation switch
            {
                "Relu" => _graph.Add1("Relu", n.Name + "/relu", [conv]),
                "Relu6" => Relu6(conv, n.Name),
                _ => throw new UnsupportedOpException(n.Op, n.Name, $"fused op '{activation}' is not supported"),
            };
        }

        Bind(n.Name, 0, Nhwc(conv, n.Name), TfType.Float);
    }

    private void MaxPool(TfNode n)
    {
        RequireNhwc(n);
        var k = n.Ints("ksize");
        var s = n.Ints("strides");
        var pooled = _graph.Add1("MaxPool", n.Name + "/pool", [Nchw(In(n, 0), n.Name)],
            new OnnxAttribute("kernel_shape", new[] { k[1], k[2] }),
            new OnnxAttribute("strides", new[] { s[1], s[2] }),
            new OnnxAttribute("auto_pad", Padding(n)));
        Bind(n.Name, 0, Nhwc(pooled, n.Name), TfType.Float);
    }

    private void ResizeBilinear(TfNode n)
    {
        // TF's half_pixel_centers=true, align_corners=false is ONNX's half_pixel; align_corners=true is align_corners;
        // neither is TF1's legacy "asymmetric". 
        var mode = (n.Bool("align_corners"), n.Bool("half_pixel_centers")) switch
        {
            (false, true) => "half_pixel",
            (true, false) => "align_corners",
            (false, false) => "asymmetric",
            _ => throw new UnsupportedOpException(n.Op, n.Name, "align_corners and half_pixel_centers are both set"),
        };
        // Full NHWC sizes (batch and channels kept) rather than the opset-18 "axes" attribute: ONNX Runtime's
        // transpose optimizer permutes a 2-element "sizes" as if it had 4 and fails.
        var x = In(n, 0);
        var shape = _graph.Add1("Shape", n.Name + "/shape", [x]);
        var batch = _graph.Add1("Slice", n.Name + "/batch", [shape, _graph.Int64Vector(n.Name + "/b0", 0), _graph.Int64Vector(n.Name + "/b1", 1)]);
        var channels = _graph.Add1("Slice", n.Name + "/channels", [shape, _graph.Int64Vector(n.Name + "/c0", 3), _graph.Int64Vector(n.Name + "/c1", 4)]);
        var sizes = _graph.Add1("Concat", n.Name + "/sizes", [batch, Int64Input(n, 1, asVector: true), channels], new OnnxAttribute("axis", 0L));
        var resized = _graph.Add1("Resize", n.Name, [x, "", "", sizes],
            new OnnxAttribute("mode", "linear"),
            new OnnxAttribute("coordinate_transformation_mode", mode));
        Bind(n.Name, 0, resized, TfType.Float);
    }

    private void Pack(TfNode n)
    {
        var axis = n.Int("axis");
        var axes = _graph.Int64Vector(n.Name + "/axes", axis);
        var parts = n.Inputs.Select((_, i) => _graph.Add1("Unsqueeze", $"{n.Name}/part{i}", [In(n, i), axes])).ToArray();
        Bind(n.Name, 0, _graph.Add1("Concat", n.Name, parts, new OnnxAttribute("axis", axis)), TypeOf(n.Inputs[0]));
    }

    private void Unpack(TfNode n)
    {
        var axis = n.Int("axis");
        var count = (int)n.Int("num");
        var type = TypeOf(n.Inputs[0]);
        var axes = _graph.Int64Vector(n.Name + "/axes", axis);
        if (count == 1)
        {
            Bind(n.Name, 0, _graph.Add1("Squeeze", n.Name, [In(n, 0), axes]), type);
            return;
        }

        var pieces = Enumerable.Range(0, count).Select(i => _graph.UniqueName($"{n.Name}/split{i}")).ToArray();
        _graph.Add("Split", n.Name + "/split", [In(n, 0)], pieces, new OnnxAttribute("axis", axis), new OnnxAttribute("num_outputs", (long)count));
        for (var i = 0; i < count; i++)
        {
            Bind(n.Name, i, _graph.Add1("Squeeze", $"{n.Name}:{i}", [pieces[i], axes]), type);
        }
    }

    private void Split(TfNode n)
    {
        var axis = ConstInts(n, 0).Single();
        var count = (int)n.Int("num_split");
        var pieces = Enumerable.Range(0, count).Select(i => _graph.UniqueName(i == 0 ? n.Name : $"{n.Name}:{i}")).ToArray();
        _graph.Add("Split", n.Name + "/split", [In(n, 1)], pieces, new OnnxAttribute("axis", (long)axis), new OnnxAttribute("num_outputs", (long)count));
        for (var i = 0; i < count; i++)
        {
            Bind(n.Name, i, pieces[i], TypeOf(n.Inputs[1]));
        }
    }

    private void TopK(TfNode n)
    {
        if (!n.Bool("sorted", true))
        {
            throw new UnsupportedOpException(n.Op, n.Name, "unsorted TopK is not supported");
        }

        var values = _graph.UniqueName(n.Name);
        var indices = _graph.UniqueName(n.Name + ":1/i64");
        _graph.Add("TopK", n.Name, [In(n, 0), Int64Input(n, 1, asVector: true)], [values, indices],
            new OnnxAttribute("axis", -1L), new OnnxAttribute("largest", 1L), new OnnxAttribute("sorted", 1L));
        Bind(n.Name, 0, values, TypeOf(n.Inputs[0]));
        Bind(n.Name, 1, CastTo(indices, TfType.Int32, n.Name + ":1"), TfType.Int32);
    }

    /// <summary>
    /// TF StridedSlice with constant begin/end/strides and begin, end, shrink-axis and new-axis masks (no ellipsis):
    /// one ONNX Slice over the sliced input axes, a Squeeze for the shrunk ones, an Unsqueeze for the new ones.
    /// </summary>
    private void StridedSlice(TfNode n)
    {
        if (n.Int("ellipsis_mask") != 0)
        {
            throw new UnsupportedOpException(n.Op, n.Name, "ellipsis_mask is not supported");
        }

        var begin = ConstInts(n, 1);
        var end = ConstInts(n, 2);
        var strides = ConstInts(n, 3);
        long beginMask = n.Int("begin_mask"), endMask = n.Int("end_mask"), shrinkMask = n.Int("shrink_axis_mask"), newAxisMask = n.Int("new_axis_mask");
        List<long> starts = [], ends = [], axes = [], steps = [], squeeze = [], unsqueeze = [];
        var inputAxis = 0;
        var outputAxis = 0;
        for (var i = 0; i < begin.Length; i++)
        {
            var bit = 1L << i;
            if ((newAxisMask & bit) != 0)
            {
                unsqueeze.Add(outputAxis++);
                continue;
            }

            long step = strides[i];
            long start = (beginMask & bit) != 0 ? (step > 0 ? 0 : long.MaxValue) : begin[i];
            long stop = (endMask & bit) != 0 ? (step > 0 ? long.MaxValue : long.MinValue) : end[i];
            if ((shrinkMask & bit) != 0)
            {
                start = begin[i];
                stop = start == -1 ? long.MaxValue : start + 1;
                step = 1;
                squeeze.Add(inputAxis);
            }
            else
            {
                outputAxis++;
            }

            var isIdentity = step == 1 && start == 0 && stop == long.MaxValue;
            if (!isIdentity)
            {
                starts.Add(start);
                ends.Add(stop);
                axes.Add(inputAxis);
                steps.Add(step);
            }

            inputAxis++;
        }

        var value = In(n, 0);
        if (axes.Count > 0)
        {
            value = _graph.Add1("Slice", n.Name + "/slice", [value,
                _graph.Int64Vector(n.Name + "/starts", [.. starts]), _graph.Int64Vector(n.Name + "/ends", [.. ends]),
                _graph.Int64Vector(n.Name + "/axes", [.. axes]), _graph.Int64Vector(n.Name + "/steps", [.. steps])]);
        }

        if (squeeze.Count > 0)
        {
            value = _graph.Add1("Squeeze", n.Name + "/squeeze", [value, _graph.Int64Vector(n.Name + "/squeeze_axes", [.. squeeze])]);
        }

        if (unsqueeze.Count > 0)
        {
            value = _graph.Add1("Unsqueeze", n.Name + "/unsqueeze", [value, _graph.Int64Vector(n.Name + "/unsqueeze_axes", [.. unsqueeze])]);
        }

        Bind(n.Name, 0, _graph.Add1("Identity", n.Name, [value]), TypeOf(n.Inputs[0]));
    }

    private string Nchw(string x, string hint) => _graph.Add1("Transpose", hint + "/to_nchw", [x], new OnnxAttribute("perm", new long[] { 0, 3, 1, 2 }));

    private string Nhwc(string x, string hint) => _graph.Add1("Transpose", hint + "/to_nhwc", [x], new OnnxAttribute("perm", new long[] { 0, 2, 3, 1 }));

    private static void RequireNhwc(TfNode n)
    {
        var format = n.String("data_format") ?? "NHWC";
        if (format != "NHWC")
        {
            throw new UnsupportedOpException(n.Op, n.Name, $"data_format '{format}' is not supported");
        }
    }

    private static string Padding(TfNode n) => n.String("padding") switch
    {
        "SAME" => "SAME_UPPER", // TF puts the odd padding pixel after, as SAME_UPPER does
        "VALID" => "VALID",
        var other => throw new UnsupportedOpException(n.Op, n.Name, $"padding '{other}' is not supported"),
    };

    private string CastTo(string value, TfType type, string hint) =>
        _graph.Add1("Cast", hint, [value], new OnnxAttribute("to", (long)ToOnnx(type)));

    /// <summary>An int64 version of input <paramref name="index"/>: a new constant when it is constant, else a cast.</summary>
    private string Int64Input(TfNode n, int index, bool asVector = false)
    {
        var constant = Const(n, index);
        if (constant is not null)
        {
            var values = constant.AsInts().Select(v => (long)v).ToArray();
            long[] dims = asVector || constant.Shape.Length == 1 ? [values.Length] : [.. constant.Shape.Select(d => (long)d)];
            return _graph.Int64($"{n.Name}/in{index}_i64", dims, values);
        }

        var cast = _graph.Add1("Cast", $"{n.Name}/in{index}_i64", [In(n, index)], new OnnxAttribute("to", (long)OnnxType.Int64));
        return asVector ? _graph.Add1("Reshape", $"{n.Name}/in{index}_vec", [cast, _graph.Int64Vector(n.Name + "/vec", -1)]) : cast;
    }

    private int[] ConstInts(TfNode n, int index) =>
        (Const(n, index) ?? throw new UnsupportedOpException(n.Op, n.Name, $"input {index} must be a constant")).AsInts();

    private TfConstant? Const(TfNode n, int index)
    {
        var (name, output) = SplitRef(n.Inputs[index]);
        return output == 0 && _model.Constants.TryGetValue(name, out var constant) && _byName[name].Op == "Const" ? constant : null;
    }

    /// <summary>The ONNX value for input <paramref name="index"/> of <paramref name="n"/>.</summary>
    private string In(TfNode n, int index)
    {
        var reference = n.Inputs[index];
        var (name, output) = SplitRef(reference);
        if (output == 0 && _byName[name].Op == "Const")
        {
            if (!_constInitializers.TryGetValue(name, out var initializer))
            {
                var constant = _model.Constants.TryGetValue(name, out var c)
                    ? c
                    : throw new InvalidDataException($"Const '{name}' has no entry in the weights manifest.");
                var dims = constant.Shape.Select(d => (long)d).ToArray();
                initializer = constant.Type switch
                {
                    TfType.Float => _graph.Float32(name, dims, constant.Floats),
                    TfType.Int32 => _graph.Int32(name, dims, constant.Ints),
                    _ => _graph.Initializer(name, OnnxType.Bool, dims, [.. constant.Ints!.Select(v => (byte)v)]),
                };
                _constInitializers[name] = initializer;
            }

            return initializer;
        }

        return Value(reference);
    }

    private string Value(string reference)
    {
        var key = Key(reference);
        return _values.TryGetValue(key, out var value)
            ? value
            : throw new InvalidDataException($"'{reference}' is read before it is produced.");
    }

    private TfType TypeOf(string reference)
    {
        var (name, output) = SplitRef(reference);
        if (output == 0 && _byName[name].Op == "Const")
        {
            return _model.Constants[name].Type;
        }

        return _types[Key(reference)];
    }

    private void Bind(string node, int output, string value, TfType type)
    {
        _values[$"{node}:{output}"] = value;
        _types[$"{node}:{output}"] = type;
    }

    private static string Key(string reference)
    {
        var (name, output) = SplitRef(reference);
        return $"{name}:{output}";
    }

    private static (string Name, int Output) SplitRef(string reference)
    {
        var colon = reference.LastIndexOf(':');
        if (colon > 0 && int.TryParse(reference.AsSpan(colon + 1), out var output))
        {
            return (reference[..colon], output);
        }

        return (reference, 0);
    }

    private static TfType IndexType(TfNode n, string key) => ParseType(n.TypeName(key) ?? "DT_INT32", n);

    private static TfType ParseType(string? name, TfNode n) => name switch
    {
        "DT_FLOAT" => TfType.Float,
        "DT_INT32" => TfType.Int32,
        "DT_BOOL" => TfType.Bool,
        _ => throw new UnsupportedOpException(n.Op, n.Name, $"dtype '{name}' is not supported"),
    };

    private static OnnxType ToOnnx(TfType type) => type switch
    {
        TfType.Float => OnnxType.Float,
        TfType.Int32 => OnnxType.Int32,
        _ => OnnxType.Bool,
    };
}
