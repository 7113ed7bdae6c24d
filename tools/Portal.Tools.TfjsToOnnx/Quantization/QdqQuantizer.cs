using System.Runtime.InteropServices;
using Portal.Tools.TfjsToOnnx.Onnx;

namespace Portal.Tools.TfjsToOnnx.Quantization;

/// <summary>The range of values of a tensor that its uint8 quantization covers (from calibration).</summary>
internal readonly record struct TensorRange(float Min, float Max);

/// <summary>
/// Static int8 quantization of a float graph in ONNX's QDQ form: every convolution reads its activation through
/// QuantizeLinear → DequantizeLinear (uint8, asymmetric, one scale per tensor from the calibrated range), its weights
/// as int8 with one symmetric scale per output channel, its bias as int32 at input scale × weight scale, and writes
/// its output through another Q → DQ pair. ONNX Runtime fuses each DQ → Conv → Q group into one QLinearConv on uint8
/// data (and cancels the NHWC/NCHW transposes between them as in the float graph); what is not a convolution stays
/// float between a DQ and the next Q. A Relu or Relu6 (Clip 0..6) right after a convolution is folded into the output
/// quantization: the calibrated range of its output starts at 0 and ends at or below 6, so the uint8 output saturates
/// exactly where the activation would clip, and ONNX Runtime's own QDQ tooling removes such clips the same way.
/// A convolution that reads the graph's integer image input through a Cast and constant arithmetic (MoveNet's
/// <c>p/127.5 − 1</c>, then a Transpose) reads the pixels as uint8 instead (<see cref="PixelInput"/>).
/// </summary>
internal static class QdqQuantizer
{
    /// <summary>One convolution: the activation it reads, the tensor whose range sets its output scale (the conv's
    /// output, or the Relu/Clip folded into it), and that folded node.</summary>
    private sealed record ConvPlan(OnnxNode Conv, string Input, string Activation, OnnxNode? Folded, bool FloatOutput);

    /// <summary>The tensors whose ranges <see cref="Quantize"/> needs: the calibrator adds them as graph outputs.</summary>
    public static IReadOnlyList<string> CalibrationTensors(OnnxGraph graph) =>
        [.. Plans(graph).SelectMany(p => p.FloatOutput ? new[] { p.Input } : [p.Input, p.Activation]).Distinct(StringComparer.Ordinal)];

    /// <summary>A new graph: <paramref name="graph"/> with its convolutions quantized as described above.</summary>
    public static OnnxGraph Quantize(OnnxGraph graph, IReadOnlyDictionary<string, TensorRange> ranges)
    {
        var plans = Plans(graph).ToDictionary(p => p.Conv);
        var initializers = graph.Initializers.ToDictionary(i => i.Name, StringComparer.Ordinal);
        var pixels = PixelInput.FindAll(graph, plans.Keys, initializers);
        var folded = plans.Values.Where(p => p.Folded is not null).Select(p => p.Folded!).Concat(pixels.Values.SelectMany(p => p.Chain)).ToHashSet();

        var result = new OnnxGraph();
        result.Inputs.AddRange(graph.Inputs);
        result.Outputs.AddRange(graph.Outputs);
        foreach (var name in graph.Inputs.Select(i => i.Name).Concat(graph.Nodes.SelectMany(n => n.Outputs)))
        {
            result.Reserve(name);
        }

        // Float weights and the bounds of folded clips go unless another node still reads them.
        var stillRead = graph.Nodes.Where(n => !plans.ContainsKey(n) && !folded.Contains(n)).SelectMany(n => n.Inputs)
            .Concat(graph.Outputs.Select(o => o.Name)).ToHashSet(StringComparer.Ordinal);
        foreach (var initializer in graph.Initializers)
        {
            if (stillRead.Contains(initializer.Name))
            {
                result.Add(initializer);
            }
            else
            {
                result.Reserve(initializer.Name);
            }
        }

        var dequantized = new Dictionary<string, string>(StringComparer.Ordinal); // float tensor -> its DQ output
        foreach (var pixel in pixels.Values)
        {
            dequantized[pixel.Tensor] = pixel.Dequantize(result);
        }

        foreach (var node in graph.Nodes)
        {
            if (folded.Contains(node))
            {
                continue;
            }

            if (!plans.TryGetValue(node, out var plan))
            {
                result.Add(node.OpType, node.Name, node.Inputs, node.Outputs, [.. node.Attributes]);
                continue;
            }

            // A pixel input is already dequantized (above) at its own scale: it needs no calibrated range.
            var pixel = pixels.GetValueOrDefault(node);
            var inputScale = pixel?.Scale ?? ActivationParameters(Range(ranges, plan.Input)).Scale;
            var x = dequantized.TryGetValue(plan.Input, out var existing) ? existing : QuantizeDequantize(result, plan.Input, Range(ranges, plan.Input), null, dequantized);
            var weight = initializers[node.Inputs[1]];
            var (w, weightScales) = QuantizedWeight(result, weight);
            List<string> inputs = [x, w];
            if (node.Inputs.Count > 2)
            {
                var bias = initializers[node.Inputs[2]];
                inputs.Add(QuantizedBias(result, bias.Name, pixel?.CorrectedBias(bias, weight) ?? Floats(bias), inputScale, weightScales));
            }

            if (plan.FloatOutput)
            {
                result.Add("Conv", node.Name, inputs, node.Outputs, [.. node.Attributes]);
                continue;
            }

            // The conv's float output gets a new name; the DQ after it takes over the name its consumers read.
            var convOutput = result.UniqueName(node.Outputs[0] + "/float");
            result.Add("Conv", node.Name, inputs, [convOutput], [.. node.Attributes]);
            QuantizeDequantize(result, convOutput, Range(ranges, plan.Activation), plan.Activation, null);
            dequantized[plan.Activation] = plan.Activation; // already a DQ output: a conv reading it directly needs no second pair
        }

        return result;
    }

    /// <summary>The uint8 scale and zero point of an activation whose range is <paramref name="range"/>; the range
    /// is widened to contain 0 so that 0 (padding, a Relu's floor) is exact.</summary>
    public static (float Scale, byte ZeroPoint) ActivationParameters(TensorRange range)
    {
        var min = Math.Min(range.Min, 0f);
        var max = Math.Max(range.Max, 0f);
        if (max - min < 1e-12f)
        {
            return (1f, 0);
        }

        var scale = (max - min) / 255f;
        return (scale, (byte)Math.Clamp(MathF.Round(-min / scale, MidpointRounding.ToEven), 0, 255));
    }

    private static TensorRange Range(IReadOnlyDictionary<string, TensorRange> ranges, string tensor) =>
        ranges.TryGetValue(tensor, out var range) ? range : throw new KeyNotFoundException($"no calibrated range for tensor '{tensor}'");

    // Adds Q(tensor) -> DQ; the DQ's output is `outputName`, or a new name recorded in `dequantized`.
    private static string QuantizeDequantize(OnnxGraph result, string tensor, TensorRange range, string? outputName, Dictionary<string, string>? dequantized)
    {
        var (scale, zeroPoint) = ActivationParameters(range);
        var scaleName = result.Float32(tensor + "/scale", [], [scale]);
        var zeroName = result.Initializer(tensor + "/zero_point", OnnxType.Uint8, [], [zeroPoint]);
        var quantized = result.Add1("QuantizeLinear", tensor + "/q", [tensor, scaleName, zeroName]);
        var output = outputName ?? result.UniqueName(tensor + "/dq");
        // Node names must be unique too: the DQ that takes over a conv's output name cannot take the conv's node name.
        result.Add("DequantizeLinear", quantized + "/dq", [quantized, scaleName, zeroName], [output]);
        dequantized?.Add(tensor, output);
        return output;
    }

    // int8 weights [M, C/group, kh, kw], one symmetric scale per output channel M (zero point 0), read through DQ.
    private static (string Output, float[] Scales) QuantizedWeight(OnnxGraph result, OnnxInitializer weight)
    {
        if (weight.Type != OnnxType.Float || weight.Dims.Length != 4)
        {
            throw new NotSupportedException($"conv weight '{weight.Name}' is not a float32 4-D initializer");
        }

        var values = MemoryMarshal.Cast<byte, float>(weight.RawData);
        var channels = (int)weight.Dims[0];
        var perChannel = values.Length / channels;
        var scales = new float[channels];
        var quantized = new sbyte[values.Length];
        for (var m = 0; m < channels; m++)
        {
            var slice = values.Slice(m * perChannel, perChannel);
            var maxAbs = 0f;
            foreach (var v in slice)
            {
                maxAbs = Math.Max(maxAbs, Math.Abs(v));
            }

            scales[m] = maxAbs > 0 ? maxAbs / 127f : 1f;
            for (var i = 0; i < perChannel; i++)
            {
                quantized[(m * perChannel) + i] = (sbyte)Math.Clamp(MathF.Round(slice[i] / scales[m], MidpointRounding.ToEven), -127, 127);
            }
        }

        var data = result.Initializer(weight.Name + "/int8", OnnxType.Int8, weight.Dims, MemoryMarshal.AsBytes(quantized.AsSpan()).ToArray());
        var scale = result.Float32(weight.Name + "/scale", [channels], scales);
        var zero = result.Initializer(weight.Name + "/zero_point", OnnxType.Int8, [channels], new byte[channels]);
        var output = result.Add1("DequantizeLinear", weight.Name + "/dq", [data, scale, zero], new OnnxAttribute("axis", 0L));
        return (output, scales);
    }

    private static float[] Floats(OnnxInitializer initializer) => initializer.Type == OnnxType.Float
        ? MemoryMarshal.Cast<byte, float>(initializer.RawData).ToArray()
        : throw new NotSupportedException($"'{initializer.Name}' is not float32");

    // int32 bias at scale input scale × weight scale of its channel, as ONNX Runtime's QLinearConv expects it.
    private static string QuantizedBias(OnnxGraph result, string name, float[] values, float inputScale, float[] weightScales)
    {
        if (values.Length != weightScales.Length)
        {
            throw new NotSupportedException($"conv bias '{name}' does not have one value per output channel");
        }

        var scales = new float[values.Length];
        var quantized = new int[values.Length];
        for (var m = 0; m < values.Length; m++)
        {
            scales[m] = inputScale * weightScales[m];
            quantized[m] = (int)Math.Clamp(Math.Round(values[m] / scales[m], MidpointRounding.ToEven), int.MinValue, int.MaxValue);
        }

        var data = result.Int32(name + "/int32", [values.Length], quantized);
        var scale = result.Float32(name + "/scale", [values.Length], scales);
        var zero = result.Int32(name + "/zero_point", [values.Length], new int[values.Length]);
        return result.Add1("DequantizeLinear", name + "/dq", [data, scale, zero], new OnnxAttribute("axis", 0L));
    }

    private static IEnumerable<ConvPlan> Plans(OnnxGraph graph)
    {
        var initializers = graph.Initializers.ToDictionary(i => i.Name, StringComparer.Ordinal);
        var consumers = graph.Nodes.SelectMany(n => n.Inputs.Select(i => (Input: i, Node: n))).ToLookup(p => p.Input, p => p.Node, StringComparer.Ordinal);
        var graphOutputs = graph.Outputs.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var feedsConv = TensorsThatReach(graph, "Conv");
        var feedsResize = TensorsThatReach(graph, "Resize");
        foreach (var conv in graph.Nodes.Where(n => n.OpType == "Conv"))
        {
            // Convolutions after the feature pyramid's last upsampling (MultiPose's six heads and the refinement
            // before them) stay float. Quantized, they cost MultiPose 0.9 px of mean error on tfjs_pose_1 and a
            // third of the action model's window labels on the shared clips; float, 0.05 px, for about the same
            // speed (docs/benchmarks.md). A graph without Resize (Lightning, Thunder) is quantized throughout.
            if (feedsResize.Count > 0 && !feedsResize.Contains(conv.Outputs[0]))
            {
                continue;
            }

            // Only convolutions with constant weights (and bias): every one in the MoveNet graphs.
            if (!conv.Inputs.Skip(1).All(initializers.ContainsKey))
            {
                continue;
            }

            var output = conv.Outputs[0];
            var next = consumers[output].ToList();
            // A last convolution (heatmaps, offsets, regression) keeps a float output: at uint8 steps two
            // neighbouring heatmap peaks can tie, and MoveNet's max-pool peak test then keeps both, which showed as a
            // second, duplicate person. Its weights and input are still int8.
            if (!feedsConv.Contains(output))
            {
                yield return new ConvPlan(conv, conv.Inputs[0], output, null, FloatOutput: true);
                continue;
            }

            var folds = !graphOutputs.Contains(output) && next.Count == 1 && IsReluFrom0(next[0], initializers);
            yield return folds
                ? new ConvPlan(conv, conv.Inputs[0], next[0].Outputs[0], next[0], FloatOutput: false)
                : new ConvPlan(conv, conv.Inputs[0], output, null, FloatOutput: false);
        }
    }

    // Every tensor from which a node of type `op` can be reached (for Conv: its data input, not its weights).
    private static HashSet<string> TensorsThatReach(OnnxGraph graph, string op)
    {
        var reaches = new HashSet<string>(StringComparer.Ordinal);
        for (var i = graph.Nodes.Count - 1; i >= 0; i--) // nodes are in topological order: walk them backwards once
        {
            var node = graph.Nodes[i];
            if (node.OpType == op || node.Outputs.Any(reaches.Contains))
            {
                reaches.UnionWith(node.OpType == "Conv" && !node.Outputs.Any(reaches.Contains) ? node.Inputs.Take(1) : node.Inputs);
            }
        }

        return reaches;
    }

    // Relu, or Clip whose lower bound is the constant 0 (the converter's Relu6).
    private static bool IsReluFrom0(OnnxNode node, Dictionary<string, OnnxInitializer> initializers)
    {
        if (node.OpType == "Relu")
        {
            return true;
        }

        return node.OpType == "Clip" && node.Inputs.Count >= 2 && initializers.TryGetValue(node.Inputs[1], out var min)
            && min.Type == OnnxType.Float && min.RawData.Length == 4 && BitConverter.ToSingle(min.RawData) == 0f;
    }
}
