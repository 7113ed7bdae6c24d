using System.Text.Json.Nodes;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Portal.TestSupport;
using Portal.Tools.TfjsToOnnx;
using Portal.Tools.TfjsToOnnx.Tfjs;
using static Portal.Tools.Tests.TfjsModelWriter;

namespace Portal.Tools.Tests;

public class TfjsToOnnxConverterTests
{
    [Fact]
    public void Convert_FailsNamingTheOpAndTheNode_ForAnOpItDoesNotKnow()
    {
        using var temp = new TempDirectory();
        var path = new TfjsModelWriter()
            .Placeholder("input", "DT_FLOAT", 1, 4)
            .Node("block/strange", "Erfinv", ["input"])
            .Node("Identity", "Identity", ["block/strange"])
            .Write(temp.Path);

        var error = Assert.Throws<UnsupportedOpException>(() => TfjsToOnnxConverter.Convert(TfjsGraphModel.Load(path)));

        Assert.Equal(("Erfinv", "block/strange"), (error.Op, error.Node));
        Assert.Contains("'Erfinv'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'block/strange'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_DequantizesFloat16Weights_ToFloat32()
    {
        using var temp = new TempDirectory();
        var path = new TfjsModelWriter()
            .Placeholder("input", "DT_FLOAT", 3)
            .ConstFloat16("w", [3], 0.5f, -2.25f, 1000f)
            .Node("Identity", "Mul", ["input", "w"])
            .Write(temp.Path);

        var model = TfjsGraphModel.Load(path);

        Assert.Equal([0.5f, -2.25f, 1000f], model.Constants["w"].Floats!);
        Assert.Equal([1.0f, -4.5f, 2000f], Run(path, [2f, 2f, 2f], [3]));
    }

    [Fact]
    public void FloorDiv_RoundsTowardMinusInfinity_OnNegativeIntegers_AsTensorFlowDoes()
    {
        using var temp = new TempDirectory();
        var path = new TfjsModelWriter()
            .Placeholder("input", "DT_INT32", 4)
            .ConstInt32("two", [], 2)
            .Node("Identity", "FloorDiv", ["input", "two"], new JsonObject { ["T"] = Type("DT_INT32") })
            .Write(temp.Path);

        Assert.Equal([-4, -1, 0, 3], RunInt(path, [-7, -1, 0, 7], [4]));
    }

    [Fact]
    public void StridedSlice_HonoursShrinkNewAxisBeginAndEndMasks()
    {
        // x[0, tf.newaxis, 1:3, ::2] on x = arange(24).reshape(2, 3, 4) -> [[[4, 6], [8, 10]]]
        using var temp = new TempDirectory();
        var path = new TfjsModelWriter()
            .Placeholder("input", "DT_FLOAT", 2, 3, 4)
            .ConstInt32("begin", [4], 0, 0, 1, 0)
            .ConstInt32("end", [4], 1, 0, 3, 0)
            .ConstInt32("strides", [4], 1, 1, 1, 2)
            .Node("Identity", "StridedSlice", ["input", "begin", "end", "strides"], new JsonObject
            {
                ["shrink_axis_mask"] = Int(1),
                ["new_axis_mask"] = Int(2),
                ["begin_mask"] = Int(8),
                ["end_mask"] = Int(8),
                ["ellipsis_mask"] = Int(0),
            })
            .Write(temp.Path);

        var (values, shape) = RunWithShape(path, [.. Enumerable.Range(0, 24).Select(i => (float)i)], [2, 3, 4]);

        Assert.Equal([1, 2, 2], shape);
        Assert.Equal([4f, 6f, 8f, 10f], values);
    }

    [Fact]
    public void ResizeBilinear_WithHalfPixelCentres_MatchesTensorFlowsSampling()
    {
        // Upsampling [0, 10] (1x2) to 1x4 with half-pixel centres samples at x = -0.25, 0.25, 0.75, 1.25 -> clamp, lerp.
        using var temp = new TempDirectory();
        var path = new TfjsModelWriter()
            .Placeholder("input", "DT_FLOAT", 1, 1, 2, 1)
            .ConstInt32("size", [2], 1, 4)
            .Node("Identity", "ResizeBilinear", ["input", "size"], new JsonObject
            {
                ["align_corners"] = new JsonObject { ["b"] = false },
                ["half_pixel_centers"] = new JsonObject { ["b"] = true },
            })
            .Write(temp.Path);

        Assert.Equal([0f, 2.5f, 7.5f, 10f], Run(path, [0f, 10f], [1, 1, 2, 1]));
    }

    private static float[] Run(string modelJson, float[] input, int[] shape) => RunWithShape(modelJson, input, shape).Values;

    private static (float[] Values, int[] Shape) RunWithShape(string modelJson, float[] input, int[] shape)
    {
        using var session = Convert(modelJson);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(input, shape))]);
        var output = results.Single().AsTensor<float>();
        return (output.ToArray(), output.Dimensions.ToArray());
    }

    private static int[] RunInt(string modelJson, int[] input, int[] shape)
    {
        using var session = Convert(modelJson);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", new DenseTensor<int>(input, shape))]);
        return results.Single().AsTensor<int>().ToArray();
    }

    private static InferenceSession Convert(string modelJson)
    {
        var converted = TfjsToOnnxConverter.Convert(TfjsGraphModel.Load(modelJson));
        var bytes = converted.Graph.ToModelProto(TfjsToOnnxConverter.Opset, "tests", new Dictionary<string, string>());
        return new InferenceSession(bytes);
    }
}
