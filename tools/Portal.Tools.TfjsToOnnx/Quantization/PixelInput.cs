using System.Runtime.InteropServices;
using Portal.Tools.TfjsToOnnx.Onnx;

namespace Portal.Tools.TfjsToOnnx.Quantization;

/// <summary>
/// A convolution whose input is the graph's integer image input (pixels 0..255) under constant arithmetic: a Cast to
/// float, then Sub, Add, Mul or Div by constants that are the same for every channel, and at most one Transpose. MoveNet
/// computes <c>p/127.5 − 1</c> that way, and the quantized graph then turned the result straight back into uint8 for its
/// first convolution: 1.8 ms a frame of float work on a 256×256 frame (20 ms in all, one thread). The map is
/// <c>x = Scale·(p − center)</c>; pixels are integers already, so the convolution reads them as uint8 through
/// DequantizeLinear with that scale and the zero point nearest the center (128 for 127.5), and the rest, the gap
/// between the two (half a step), is added to its bias: exact wherever the kernel lies inside the picture, within half
/// a step where it overlaps the padding. Values outside 0..255 would wrap in the Cast to uint8: the graph's input must be
/// pixels, as MoveNet's is.
/// </summary>
internal sealed record PixelInput(OnnxNode Conv, string Tensor, string GraphInput, IReadOnlyList<OnnxNode> Chain, long[]? Permutation, float Scale, double Center)
{
    /// <summary>The zero point: the center rounded to an integer.</summary>
    public byte ZeroPoint => (byte)Math.Clamp(Math.Round(Center, MidpointRounding.ToEven), 0, 255);

    /// <summary>Those of <paramref name="convs"/> whose data input is an integer graph input under constant arithmetic.</summary>
    public static Dictionary<OnnxNode, PixelInput> FindAll(OnnxGraph graph, IEnumerable<OnnxNode> convs, IReadOnlyDictionary<string, OnnxInitializer> initializers)
    {
        var producers = graph.Nodes.SelectMany(n => n.Outputs.Select(o => (Output: o, Node: n))).ToDictionary(p => p.Output, p => p.Node, StringComparer.Ordinal);
        var consumers = graph.Nodes.SelectMany(n => n.Inputs).GroupBy(i => i, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var outputs = graph.Outputs.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var integerInputs = graph.Inputs.Where(i => i.Type is OnnxType.Int32 or OnnxType.Uint8).Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        return convs.Select(conv => Find(conv, initializers, producers, consumers, outputs, integerInputs)).OfType<PixelInput>().ToDictionary(p => p.Conv);
    }

    // The chain from the conv's data input back to an integer graph input, if it is one.
    private static PixelInput? Find(OnnxNode conv, IReadOnlyDictionary<string, OnnxInitializer> initializers, Dictionary<string, OnnxNode> producers,
        Dictionary<string, int> consumers, HashSet<string> outputs, HashSet<string> integerInputs)
    {
        if (conv.Inputs.Count < 3)
        {
            return null; // the half step goes into the bias
        }

        // Backwards from the conv: x = a·u + b, u the tensor reached so far.
        var (a, b) = (1.0, 0.0);
        long[]? permutation = null;
        var chain = new List<OnnxNode>();
        var tensor = conv.Inputs[0];
        while (true)
        {
            if (consumers.GetValueOrDefault(tensor) != 1 || outputs.Contains(tensor) || !producers.TryGetValue(tensor, out var node))
            {
                return null; // read by something else too (it must stay), or not computed by a node
            }

            chain.Add(node);
            if (node.OpType == "Transpose" && permutation is null && node.Attributes.SingleOrDefault(x => x.Name == "perm")?.Value is long[] perm)
            {
                permutation = perm;
                tensor = node.Inputs[0];
                continue;
            }

            if (node.OpType == "Cast" && integerInputs.Contains(node.Inputs[0]))
            {
                return a > 0 ? new PixelInput(conv, conv.Inputs[0], node.Inputs[0], chain, permutation, (float)a, -b / a) : null;
            }

            if (node.OpType is not ("Sub" or "Add" or "Mul" or "Div") || node.Inputs.Count != 2
                || !initializers.TryGetValue(node.Inputs[1], out var constant) || Uniform(constant) is not { } c)
            {
                return null;
            }

            (a, b) = node.OpType switch
            {
                "Sub" => (a, b - (a * c)),
                "Add" => (a, b + (a * c)),
                "Mul" => (a * c, b),
                _ => (a / c, b),
            };
            tensor = node.Inputs[0];
        }
    }

    /// <summary>Adds Cast to uint8 → Transpose → DequantizeLinear from the graph input; returns the float tensor the conv reads.</summary>
    public string Dequantize(OnnxGraph result)
    {
        var pixels = result.Add1("Cast", Tensor + "/uint8", [GraphInput], new OnnxAttribute("to", (long)OnnxType.Uint8));
        if (Permutation is not null)
        {
            pixels = result.Add1("Transpose", Tensor + "/uint8/transpose", [pixels], new OnnxAttribute("perm", Permutation));
        }

        var scale = result.Float32(Tensor + "/scale", [], [Scale]);
        var zero = result.Initializer(Tensor + "/zero_point", OnnxType.Uint8, [], [ZeroPoint]);
        return result.Add1("DequantizeLinear", Tensor + "/dq", [pixels, scale, zero]);
    }

    /// <summary>The conv's bias plus what reading <c>p − ZeroPoint</c> instead of <c>p − Center</c> takes away from each
    /// output channel: Scale·(ZeroPoint − Center)·(the sum of that channel's weights).</summary>
    public float[] CorrectedBias(OnnxInitializer bias, OnnxInitializer weight)
    {
        var values = MemoryMarshal.Cast<byte, float>(bias.RawData).ToArray();
        var weights = MemoryMarshal.Cast<byte, float>(weight.RawData);
        var perChannel = weights.Length / values.Length;
        var shift = Scale * (ZeroPoint - Center);
        for (var m = 0; m < values.Length; m++)
        {
            var sum = 0.0;
            foreach (var w in weights.Slice(m * perChannel, perChannel))
            {
                sum += w;
            }

            values[m] += (float)(shift * sum);
        }

        return values;
    }

    // The one value of a constant whose values are all the same (a scalar or one per channel); null otherwise.
    private static double? Uniform(OnnxInitializer constant)
    {
        if (constant.Type != OnnxType.Float || constant.RawData.Length < 4)
        {
            return null;
        }

        var values = MemoryMarshal.Cast<byte, float>(constant.RawData);
        foreach (var v in values)
        {
            if (v != values[0])
            {
                return null;
            }
        }

        return values[0];
    }
}
