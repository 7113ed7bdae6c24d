namespace Portal.Tools.TfjsToOnnx;

/// <summary>
/// The batchable variant of the single-pose MoveNet graphs (Lightning, Thunder). The full graphs fix the batch at one
/// image: they unstack the input batch and their post-processing reshapes to batch-1 shapes. This variant bypasses the
/// unstack (the input cast feeds the normalisation directly), stops at the four heads and leaves the decoding
/// (centre arg-max, regression, distance-weighted keypoint arg-max, offsets) to Portal.Inference's
/// SinglePoseHeadsDecoder, which needs two constants of the cut-off part: the distance bias and the output scale.
/// </summary>
internal static class MoveNetHeads
{
    private const string Prefix = "StatefulPartitionedCall/";

    public static ConversionOptions Options { get; } = new()
    {
        DynamicBatch = true,
        Aliases = new Dictionary<string, string> { [Prefix + "stack"] = Prefix + "Cast" },
        Outputs =
        [
            new("heatmap", Prefix + "Sigmoid"),                              // [N, G, G, 17] keypoint heatmaps
            new("center", Prefix + "truediv_2"),                             // [N, G, G, 1] person centre, weighted to the image centre
            new("regress", Prefix + "kpt_regress_0/conv2d_6/BiasAdd"),       // [N, G, G, 34] (dy, dx) from the centre per keypoint
            new("offset", Prefix + "kpt_offset_0/conv2d_7/BiasAdd"),         // [N, G, G, 34] (dy, dx) sub-cell offsets per keypoint
        ],
    };

    /// <summary>Added to the centre-to-cell distance before it divides the heatmap (TF node add_5/y).</summary>
    public static float DistanceBias(TfjsGraphModel model) => Scalar(model, Prefix + "add_5/y", 1)[0];

    /// <summary>Multiplies (cell + offset) into normalised (y, x) (TF node Reshape_13, 1/G stored as float16).</summary>
    public static float[] Scale(TfjsGraphModel model) => Scalar(model, Prefix + "Reshape_13", 2);

    private static float[] Scalar(TfjsGraphModel model, string name, int count)
    {
        if (!model.Constants.TryGetValue(name, out var constant) || constant.Floats is not { } values || values.Length != count)
        {
            throw new InvalidDataException($"'{name}' is not a float constant of {count} value(s): this is not a single-pose MoveNet graph.");
        }

        return values;
    }
}
