namespace Portal.Inference.Pose;

/// <summary>A square region of a source frame in source pixels; it may extend past the frame (that part is padding).</summary>
public readonly record struct CropRegion(double OriginX, double OriginY, double Side)
{
    /// <summary>The square centred on the frame whose side is the frame's longer side: the whole frame, padded.</summary>
    public static CropRegion WholeFrame(int width, int height)
    {
        var side = Math.Max(width, height);
        return new CropRegion((width - side) / 2.0, (height - side) / 2.0, side);
    }
}

/// <summary>
/// Fits a region of a source frame of <see cref="SourceWidth"/> x <see cref="SourceHeight"/> pixels into a model input of
/// <see cref="Width"/> x <see cref="Height"/> pixels at one scale for both axes (<see cref="Scale"/> source pixels per
/// input pixel; stretching would distort poses), padding with black where the region leaves the frame. Two shapes:
/// a square input over a square region (by default the whole frame centred in a square of its longer side, as the
/// single-pose models were trained on padded square crops; a smaller region zooms in), and <see cref="FitFrame"/>, the
/// input shaped like the frame, which is what tfjs-models does for MultiPose. Normalised model coordinates (0..1 over
/// each axis of the input) map back to source pixels with <see cref="ToSource"/>. Pixel centres follow the half-pixel
/// convention: source pixel (i, j) covers [i, i+1) and its centre is i + 0.5.
/// </summary>
public sealed class Letterbox
{
    private readonly int[] _x0;
    private readonly int[] _x1;
    private readonly float[] _wx;
    private readonly bool[] _xInside;
    private readonly int[] _y0;
    private readonly int[] _y1;
    private readonly float[] _wy;
    private readonly bool[] _yInside;

    public Letterbox(int sourceWidth, int sourceHeight, int size)
        : this(sourceWidth, sourceHeight, size, CropRegion.WholeFrame(sourceWidth, sourceHeight))
    {
    }

    public Letterbox(int sourceWidth, int sourceHeight, int size, CropRegion region)
        : this(sourceWidth, sourceHeight, size, size, region.OriginX, region.OriginY, Positive(region.Side) / size)
    {
    }

    private Letterbox(int sourceWidth, int sourceHeight, int width, int height, double originX, double originY, double scale)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sourceWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sourceHeight);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        SourceWidth = sourceWidth;
        SourceHeight = sourceHeight;
        Width = width;
        Height = height;
        Scale = scale;
        OriginX = originX;
        OriginY = originY;
        (_x0, _x1, _wx, _xInside) = Taps(OriginX, width, sourceWidth);
        (_y0, _y1, _wy, _yInside) = Taps(OriginY, height, sourceHeight);
    }

    public int SourceWidth { get; }

    public int SourceHeight { get; }

    /// <summary>Width of the model input, in model pixels.</summary>
    public int Width { get; }

    /// <summary>Height of the model input, in model pixels.</summary>
    public int Height { get; }

    /// <summary>Source pixels per model pixel, the same along both axes.</summary>
    public double Scale { get; }

    /// <summary>Top-left corner of the region the input covers, in source pixels (negative where it starts in the padding).</summary>
    public double OriginX { get; }

    /// <inheritdoc cref="OriginX"/>
    public double OriginY { get; }

    /// <summary>
    /// The input shaped like the frame, as tfjs-models feeds MoveNet MultiPose (its <c>multiPoseMaxDimension</c>): the
    /// frame's longer side scaled to <paramref name="maxDimension"/>, the shorter side to keep the aspect ratio
    /// (rounded to a whole pixel), then padded at the bottom or right up to a multiple of <paramref name="divisor"/>
    /// (the network's stride). A 768x432 frame becomes 256x160 instead of a 256x256 square: 38 % fewer pixels to run.
    /// </summary>
    public static Letterbox FitFrame(int sourceWidth, int sourceHeight, int maxDimension, int divisor = 32)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sourceWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sourceHeight);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(divisor);
        if (maxDimension <= 0 || maxDimension % divisor != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxDimension), $"The longer side ({maxDimension}) must be a positive multiple of {divisor}.");
        }

        var longer = Math.Max(sourceWidth, sourceHeight);
        var scale = (double)longer / maxDimension;
        int PaddedSide(int side) => Math.Max(1, (int)Math.Ceiling(Math.Max(1, Math.Round(side / scale)) / divisor)) * divisor;
        return new Letterbox(sourceWidth, sourceHeight, PaddedSide(sourceWidth), PaddedSide(sourceHeight), 0, 0, scale);
    }

    /// <summary>Source pixel coordinates of a point given in normalised model-input coordinates.</summary>
    public (float X, float Y) ToSource(float xNormalized, float yNormalized) =>
        ((float)(OriginX + (xNormalized * Width * Scale)), (float)(OriginY + (yNormalized * Height * Scale)));

    /// <summary>
    /// Bilinearly resamples an RGB24 frame (rows of SourceWidth x 3 bytes) into <paramref name="destination"/>, an
    /// NHWC int32 image of Height x Width x 3 with values 0..255 (MoveNet's input), padding with 0.
    /// </summary>
    public void Fill(ReadOnlySpan<byte> rgb, Span<int> destination)
    {
        if (rgb.Length < SourceWidth * SourceHeight * 3)
        {
            throw new ArgumentException($"Expected {SourceWidth}x{SourceHeight} RGB24 ({SourceWidth * SourceHeight * 3} bytes), got {rgb.Length} bytes.", nameof(rgb));
        }

        if (destination.Length < Width * Height * 3)
        {
            throw new ArgumentException($"The destination needs {Width * Height * 3} values.", nameof(destination));
        }

        var stride = SourceWidth * 3;
        for (var j = 0; j < Height; j++)
        {
            var row = destination.Slice(j * Width * 3, Width * 3);
            if (!_yInside[j])
            {
                row.Clear();
                continue;
            }

            var top = rgb.Slice(_y0[j] * stride, stride);
            var bottom = rgb.Slice(_y1[j] * stride, stride);
            var wy = _wy[j];
            for (var i = 0; i < Width; i++)
            {
                if (!_xInside[i])
                {
                    row[i * 3] = row[(i * 3) + 1] = row[(i * 3) + 2] = 0;
                    continue;
                }

                int a = _x0[i] * 3, b = _x1[i] * 3;
                var wx = _wx[i];
                for (var c = 0; c < 3; c++)
                {
                    var upper = top[a + c] + ((top[b + c] - top[a + c]) * wx);
                    var lower = bottom[a + c] + ((bottom[b + c] - bottom[a + c]) * wx);
                    row[(i * 3) + c] = (int)MathF.Round(upper + ((lower - upper) * wy));
                }
            }
        }
    }

    // For each output index: the two source indices, the weight of the second, and whether the sample lies on the
    // frame (outside it is padding).
    private (int[] Lo, int[] Hi, float[] Weight, bool[] Inside) Taps(double origin, int count, int length)
    {
        var lo = new int[count];
        var hi = new int[count];
        var weight = new float[count];
        var inside = new bool[count];
        var step = Scale;
        for (var k = 0; k < count; k++)
        {
            var centre = origin + ((k + 0.5) * step); // source coordinate of the output pixel centre
            inside[k] = centre >= 0 && centre < length;
            var position = Math.Clamp(centre - 0.5, 0, length - 1);
            var floor = (int)Math.Floor(position);
            lo[k] = floor;
            hi[k] = Math.Min(floor + 1, length - 1);
            weight[k] = (float)(position - floor);
        }

        return (lo, hi, weight, inside);
    }

    private static double Positive(double side) =>
        side > 0 ? side : throw new ArgumentOutOfRangeException(nameof(side), "The crop region needs a positive side.");
}
