namespace Portal.Inference.Pose;

/// <summary>
/// MoveNet's single-pose decoding, done in C# on the outputs of the batchable heads model (one batch item at a time),
/// producing exactly what the full graph outputs: 17 x (y, x, score) normalised to the model input. All tensors are
/// NHWC over a G x G grid (G = input size / 4):
/// <list type="number">
/// <item>the person is the arg-max of <c>center</c> (already weighted towards the image centre by the model);</item>
/// <item><c>regress</c> at that cell gives each keypoint's rough position (cell + (dy, dx));</item>
/// <item>each keypoint's cell is the arg-max of its heatmap divided by (distance to the rough position + bias);</item>
/// <item>its position is (cell + <c>offset</c> at that cell) x scale, its score the heatmap there.</item>
/// </list>
/// The arithmetic is float32 in TensorFlow's order, so arg-max ties resolve as in TensorFlow.js (first maximum).
/// </summary>
public static class SinglePoseHeadsDecoder
{
    public static void Decode(
        ReadOnlySpan<float> heatmap,
        ReadOnlySpan<float> center,
        ReadOnlySpan<float> regress,
        ReadOnlySpan<float> offset,
        int grid,
        float distanceBias,
        float scaleY,
        float scaleX,
        Span<float> output)
    {
        const int k17 = Coco17.Count;
        var cells = grid * grid;
        if (heatmap.Length != cells * k17 || center.Length != cells || regress.Length != cells * 2 * k17 || offset.Length != cells * 2 * k17)
        {
            throw new ArgumentException($"Head sizes do not match a {grid}x{grid} grid.");
        }

        if (output.Length < k17 * 3)
        {
            throw new ArgumentException("The output needs 51 values.", nameof(output));
        }

        var centreCell = ArgMax(center, 1, 0);
        var cy = centreCell / grid;
        var cx = centreCell - (cy * grid);
        for (var k = 0; k < k17; k++)
        {
            var roughY = cy + regress[(centreCell * 2 * k17) + (2 * k)];
            var roughX = cx + regress[(centreCell * 2 * k17) + (2 * k) + 1];
            var best = 0;
            var bestValue = float.NegativeInfinity;
            for (var cell = 0; cell < cells; cell++)
            {
                float y = cell / grid, x = cell % grid;
                float dy = y - roughY, dx = x - roughX;
                float squared = (dy * dy) + (dx * dx);
                var weighted = heatmap[(cell * k17) + k] / (MathF.Sqrt(squared) + distanceBias);
                if (weighted > bestValue)
                {
                    bestValue = weighted;
                    best = cell;
                }
            }

            var ky = best / grid;
            var kx = best - (ky * grid);
            output[k * 3] = (ky + offset[(best * 2 * k17) + (2 * k)]) * scaleY;
            output[(k * 3) + 1] = (kx + offset[(best * 2 * k17) + (2 * k) + 1]) * scaleX;
            output[(k * 3) + 2] = heatmap[(best * k17) + k];
        }
    }

    private static int ArgMax(ReadOnlySpan<float> values, int stride, int channel)
    {
        var best = 0;
        var bestValue = float.NegativeInfinity;
        for (var i = 0; i * stride < values.Length; i++)
        {
            var value = values[(i * stride) + channel];
            if (value > bestValue)
            {
                bestValue = value;
                best = i;
            }
        }

        return best;
    }
}
