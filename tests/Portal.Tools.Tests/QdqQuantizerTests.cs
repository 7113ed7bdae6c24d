using Microsoft.ML.OnnxRuntime;
using Portal.Tools.TfjsToOnnx;
using Portal.Tools.TfjsToOnnx.Onnx;
using Portal.Tools.TfjsToOnnx.Quantization;

namespace Portal.Tools.Tests;

public class QdqQuantizerTests
{
    // input [1,4,8,8] -> 3x3 conv (8 channels) -> Relu6 -> 1x1 conv (2 channels, no bias) -> output: a tiny stand-in for
    // MoveNet's body (a conv with a folded clip) and one of its heads (a last conv whose output stays float).
    private static OnnxGraph TinyNetwork()
    {
        var random = new Random(3);
        float[] Values(int n, float scale) => [.. Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() * 2) - 1) * scale)];
        var graph = new OnnxGraph();
        graph.Inputs.Add(new OnnxValueInfo("input", OnnxType.Float, [1, 4, 8, 8], null));
        graph.Outputs.Add(new OnnxValueInfo("output", OnnxType.Float, null, null));
        graph.Reserve("input");
        var w1 = graph.Float32("w1", [8, 4, 3, 3], Values(8 * 4 * 9, 0.5f));
        var b1 = graph.Float32("b1", [8], Values(8, 0.2f));
        var conv1 = graph.Add1("Conv", "conv1", ["input", w1, b1], new OnnxAttribute("kernel_shape", new long[] { 3, 3 }), new OnnxAttribute("auto_pad", "SAME_UPPER"));
        var relu6 = graph.Add1("Clip", "relu6", [conv1, graph.Float32("min", [], [0f]), graph.Float32("max", [], [6f])]);
        var w2 = graph.Float32("w2", [2, 8, 1, 1], Values(2 * 8, 0.5f));
        graph.Add("Conv", "conv2", [relu6, w2], ["output"], new OnnxAttribute("kernel_shape", new long[] { 1, 1 }));
        return graph;
    }

    private static float[] Input(int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, 4 * 8 * 8).Select(_ => (float)((random.NextDouble() * 4) - 2))];
    }

    private static Dictionary<string, float[]> Run(OnnxGraph graph, float[] input, IReadOnlyList<string> outputs)
    {
        using var session = new InferenceSession(graph.ToModelProto(TfjsToOnnxConverter.Opset, "tests", new Dictionary<string, string>()));
        using var value = OrtValue.CreateTensorValueFromMemory(input, [1, 4, 8, 8]);
        using var results = session.Run(new RunOptions(), ["input"], [value], outputs);
        return outputs.Select((name, i) => (name, results[i].GetTensorDataAsSpan<float>().ToArray())).ToDictionary(p => p.name, p => p.Item2);
    }

    // Ranges as the calibrator measures them: the float graph with the tensors the quantizer asks for as outputs.
    private static Dictionary<string, TensorRange> Calibrate(OnnxGraph graph, params int[] seeds)
    {
        var tensors = QdqQuantizer.CalibrationTensors(graph);
        graph.Outputs.AddRange(tensors.Select(t => new OnnxValueInfo(t, OnnxType.Float, null, null)));
        var ranges = new Dictionary<string, TensorRange>(StringComparer.Ordinal);
        foreach (var seed in seeds)
        {
            foreach (var (name, values) in Run(graph, Input(seed), tensors))
            {
                var range = new TensorRange(values.Min(), values.Max());
                ranges[name] = ranges.TryGetValue(name, out var r) ? new TensorRange(Math.Min(r.Min, range.Min), Math.Max(r.Max, range.Max)) : range;
            }
        }

        graph.Outputs.RemoveRange(1, tensors.Count);
        return ranges;
    }

    [Fact]
    public void Quantize_GivesTheFloatGraphsOutput_WithinAFewSteps_OnAnInputItWasNotCalibratedOn()
    {
        var graph = TinyNetwork();
        var quantized = QdqQuantizer.Quantize(graph, Calibrate(graph, 1, 2, 3, 4));

        var expected = Run(graph, Input(9), ["output"])["output"];
        var actual = Run(quantized, Input(9), ["output"])["output"];

        // Two uint8 activations and int8 weights: the error is a small share of the output's own spread.
        var spread = expected.Max() - expected.Min();
        var worst = expected.Zip(actual).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(worst < 0.05f * spread, $"largest difference {worst} against an output spread of {spread}");
        Assert.NotEqual(expected, actual); // it really is quantized
    }

    [Fact]
    public void Quantize_FoldsTheRelu6_StoresInt8Weights_AndLeavesTheLastConvsOutputFloat()
    {
        var graph = TinyNetwork();

        var quantized = QdqQuantizer.Quantize(graph, Calibrate(graph, 1));

        Assert.DoesNotContain(quantized.Nodes, n => n.OpType == "Clip");
        Assert.DoesNotContain(quantized.Initializers, i => i.Name is "w1" or "w2" or "b1" or "min" or "max");
        Assert.Equal(2, quantized.Initializers.Count(i => i.Type == OnnxType.Int8 && i.Dims.Length == 4));
        // Q/DQ on conv1's input and its output; conv2 reads that DQ and writes "output" itself, in float.
        Assert.Equal(2, quantized.Nodes.Count(n => n.OpType == "QuantizeLinear"));
        Assert.Equal("Conv", quantized.Nodes.Single(n => n.Outputs.Contains("output")).OpType);
    }

    [Fact]
    public void ActivationParameters_KeepZeroExact_AndCoverTheRange()
    {
        var (scale, zero) = QdqQuantizer.ActivationParameters(new TensorRange(-1f, 3f));
        var (reluScale, reluZero) = QdqQuantizer.ActivationParameters(new TensorRange(0.5f, 6f)); // widened to 0

        Assert.Equal(4f / 255, scale, 6);
        Assert.Equal(64, zero); // -(-1) / (4/255) = 63.75 -> 64
        Assert.Equal((6f / 255, (byte)0), (reluScale, reluZero));
    }

    [Fact]
    public void Quantize_NamesTheTensor_WhoseRangeIsMissing()
    {
        var graph = TinyNetwork();

        var error = Assert.Throws<KeyNotFoundException>(() => QdqQuantizer.Quantize(graph, new Dictionary<string, TensorRange>()));

        Assert.Contains("'input'", error.Message, StringComparison.Ordinal);
    }

    // MoveNet's front: int32 pixels [1,8,8,4] (NHWC) -> Cast -> Mul 1/127.5 -> Sub 1 -> Transpose to NCHW -> 3x3 conv
    // with bias -> output. Its weights are all positive, so the half step of the zero point (0.5/127.5 times the sum of
    // a channel's 36 weights, ~0.07) is larger than what the int8 weights cost (~0.01).
    private static OnnxGraph PixelNetwork()
    {
        var random = new Random(5);
        var graph = new OnnxGraph();
        graph.Inputs.Add(new OnnxValueInfo("pixels", OnnxType.Int32, [1, 8, 8, 4], null));
        graph.Outputs.Add(new OnnxValueInfo("output", OnnxType.Float, null, null));
        graph.Reserve("pixels");
        var cast = graph.Add1("Cast", "cast", ["pixels"], new OnnxAttribute("to", (long)OnnxType.Float));
        var scaled = graph.Add1("Mul", "scale", [cast, graph.Float32("a", [4], [1 / 127.5f, 1 / 127.5f, 1 / 127.5f, 1 / 127.5f])]);
        var centred = graph.Add1("Sub", "centre", [scaled, graph.Float32("one", [], [1f])]);
        var nchw = graph.Add1("Transpose", "to_nchw", [centred], new OnnxAttribute("perm", new long[] { 0, 3, 1, 2 }));
        var w = graph.Float32("w", [8, 4, 3, 3], [.. Enumerable.Range(0, 8 * 4 * 9).Select(_ => (float)(0.3 + (0.4 * random.NextDouble())))]);
        var b = graph.Float32("b", [8], [.. Enumerable.Range(0, 8).Select(_ => (float)((random.NextDouble() * 0.4) - 0.2))]);
        graph.Add("Conv", "conv", [nchw, w, b], ["output"], new OnnxAttribute("kernel_shape", new long[] { 3, 3 }), new OnnxAttribute("pads", new long[] { 1, 1, 1, 1 }));
        return graph;
    }

    private static int[] Pixels(int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, 8 * 8 * 4).Select(_ => random.Next(256))];
    }

    private static float[] RunPixels(OnnxGraph graph, int[] pixels)
    {
        using var session = new InferenceSession(graph.ToModelProto(TfjsToOnnxConverter.Opset, "tests", new Dictionary<string, string>()));
        using var value = OrtValue.CreateTensorValueFromMemory(pixels, [1, 8, 8, 4]);
        using var results = session.Run(new RunOptions(), ["pixels"], [value], ["output"]);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    [Fact]
    public void Quantize_ReadsAnImageInputUnderConstantArithmetic_AsUint8Pixels_WithTheHalfStepInTheBias()
    {
        var graph = PixelNetwork();
        // No calibrated range: the pixel path reads the pixels at their own scale.
        var quantized = QdqQuantizer.Quantize(graph, new Dictionary<string, TensorRange>());

        // No float arithmetic on the pixels: a Cast to uint8 and the Transpose, read by the conv through
        // DequantizeLinear at 1/127.5 and a zero point next to 127.5 (p/127.5 - 1 = (p - 127.5)/127.5; which side is
        // float rounding's).
        Assert.DoesNotContain(quantized.Nodes, n => n.OpType is "Mul" or "Sub" or "QuantizeLinear");
        Assert.Equal((long)OnnxType.Uint8, quantized.Nodes.Single(n => n.OpType == "Cast").Attributes.Single(a => a.Name == "to").Value);
        var transposed = quantized.Nodes.Single(n => n.OpType == "Transpose").Outputs[0];
        var dq = quantized.Nodes.Single(n => n.OpType == "DequantizeLinear" && n.Inputs[0] == transposed);
        Assert.Contains(quantized.Initializers.Single(i => i.Name == dq.Inputs[2]).RawData.Single(), new byte[] { 127, 128 });
        // Inside the picture the output is the float graph's up to the int8 weights; only where the kernel meets the
        // padding does the half step show.
        var expected = RunPixels(graph, Pixels(9));
        var actual = RunPixels(quantized, Pixels(9));
        var inside = Enumerable.Range(0, expected.Length).Where(i => i % 8 is > 0 and < 7 && i / 8 % 8 is > 0 and < 7).ToList();
        var worst = inside.Max(i => Math.Abs(expected[i] - actual[i]));
        Assert.True(worst < 0.02f, $"largest difference inside the picture {worst}");
    }
}
