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
/// Fits a square region of a source frame of <see cref="SourceWidth"/> x <see cref="SourceHeight"/> pixels into a
/// square model input of <see cref="Size"/> x <see cref="Size"/>. By default the region is the whole frame, centred in
/// a square of its longer side, so the frame is scaled by <c>Size / max(width, height)</c> and the rest is padded with
/// black (MoveNet was trained on padded square crops; stretching would distort poses); a smaller region zooms in.
/// Normalised model coordinates (0..1 over the square input) map back to source pixels with <see cref="ToSource"/>.
/// Pixel centres follow the half-pixel convention: source pixel (i, j) covers [i, i+1) and its centre is i + 0.5.
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
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sourceWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sourceHeight);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        if (!(region.Side > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(region), "The crop region needs a positive side.");
        }

        SourceWidth = sourceWidth;
        SourceHeight = sourceHeight;
        Size = size;
        Side = region.Side;
        OriginX = region.OriginX;
        OriginY = region.OriginY;
        (_x0, _x1, _wx, _xInside) = Taps(OriginX, sourceWidth);
        (_y0, _y1, _wy, _yInside) = Taps(OriginY, sourceHeight);
    }

    public int SourceWidth { get; }

    public int SourceHeight { get; }

    /// <summary>Side of the square model input, in model pixels.</summary>
    public int Size { get; }

    /// <summary>Side of the square region of the source the input covers, in source pixels.</summary>
    public double Side { get; }

    /// <summary>Top-left corner of that square region in source pixels (negative where it starts in the padding).</summary>
    public double OriginX { get; }

    /// <inheritdoc cref="OriginX"/>
    public double OriginY { get; }

    /// <summary>Source pixel coordinates of a point given in normalised model-input coordinates.</summary>
    public (float X, float Y) ToSource(float xNormalized, float yNormalized) =>
        ((float)(OriginX + (xNormalized * Side)), (float)(OriginY + (yNormalized * Side)));

    /// <summary>
    /// Bilinearly resamples an RGB24 frame (rows of SourceWidth x 3 bytes) into <paramref name="destination"/>, an
    /// NHWC int32 image of Size x Size x 3 with values 0..255 (MoveNet's input), padding with 0.
    /// </summary>
    public void Fill(ReadOnlySpan<byte> rgb, Span<int> destination)
    {
        if (rgb.Length < SourceWidth * SourceHeight * 3)
        {
            throw new ArgumentException($"Expected {SourceWidth}x{SourceHeight} RGB24 ({SourceWidth * SourceHeight * 3} bytes), got {rgb.Length} bytes.", nameof(rgb));
        }

        if (destination.Length < Size * Size * 3)
        {
            throw new ArgumentException($"The destination needs {Size * Size * 3} values.", nameof(destination));
        }

        var stride = SourceWidth * 3;
        for (var j = 0; j < Size; j++)
        {
            var row = destination.Slice(j * Size * 3, Size * 3);
            if (!_yInside[j])
            {
                row.Clear();
                continue;
            }

            var top = rgb.Slice(_y0[j] * stride, stride);
            var bottom = rgb.Slice(_y1[j] * stride, stride);
            var wy = _wy[j];
            for (var i = 0; i < Size; i++)
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
    private (int[] Lo, int[] Hi, float[] Weight, bool[] Inside) Taps(double origin, int length)
    {
        var lo = new int[Size];
        var hi = new int[Size];
        var weight = new float[Size];
        var inside = new bool[Size];
        var step = (double)Side / Size;
        for (var k = 0; k < Size; k++)
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
}
