using Portal.Inference.Pose;
using SkiaSharp;

namespace Portal.Jobs.Rendering;

/// <summary>
/// Draws a person's skeleton over a video frame with each joint's attention as heat: joints the model weighted more
/// are larger and redder. Input is an RGB24 frame; output is a PNG written to a stream.
/// </summary>
public static class KeyframeRenderer
{
    private static readonly SKPngEncoderOptions PngOptions = new(SKPngEncoderFilterFlags.Up, zLibLevel: 3);

    /// <summary>COCO-17 bones as joint index pairs (face, arms, torso, legs).</summary>
    public static readonly (int A, int B)[] Bones =
    [
        (0, 1), (0, 2), (1, 3), (2, 4), (5, 6), (5, 7), (7, 9), (6, 8), (8, 10),
        (5, 11), (6, 12), (11, 12), (11, 13), (13, 15), (12, 14), (14, 16),
    ];

    /// <param name="rgb">width × height × 3 bytes, rows without padding.</param>
    /// <param name="keypoints">The person's keypoints in this frame's pixels.</param>
    /// <param name="jointHeat">Attention per joint (any scale; drawn relative to the smallest and largest).</param>
    /// <param name="minScore">Keypoints below this score are not drawn.</param>
    /// <param name="destination">Where the PNG is written.</param>
    public static void WritePng(ReadOnlySpan<byte> rgb, int width, int height, IReadOnlyList<Keypoint> keypoints, IReadOnlyList<float> jointHeat, Stream destination, float minScore = 0.2f)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        // Straight into the bitmap's own (native) pixels, and the PNG straight from Skia's buffer into the stream: a
        // managed copy of either is another megabyte on the large-object heap per keyframe.
        var pixels = bitmap.GetPixelSpan();
        for (var y = 0; y < height; y++)
        {
            var from = rgb.Slice(y * width * 3, width * 3);
            var to = pixels.Slice(y * bitmap.RowBytes, width * 4);
            for (int i = 0, o = 0; i < from.Length; i += 3, o += 4)
            {
                (to[o], to[o + 1], to[o + 2], to[o + 3]) = (from[i], from[i + 1], from[i + 2], 255);
            }
        }

        using (var canvas = new SKCanvas(bitmap))
        {
            var scale = Math.Max(1f, Math.Max(width, height) / 400f);
            using var bone = new SKPaint { Color = new SKColor(255, 255, 255, 220), StrokeWidth = 2 * scale, IsAntialias = true, Style = SKPaintStyle.Stroke };
            foreach (var (a, b) in Bones)
            {
                if (keypoints[a].Score >= minScore && keypoints[b].Score >= minScore)
                {
                    canvas.DrawLine(keypoints[a].X, keypoints[a].Y, keypoints[b].X, keypoints[b].Y, bone);
                }
            }

            // Heat is relative: the least-weighted joint is yellow and the most-weighted red, so the contrast shows even
            // when attention is spread almost evenly.
            var max = jointHeat.Count == 0 ? 0 : jointHeat.Max();
            var min = jointHeat.Count == 0 ? 0 : jointHeat.Min();
            using var joint = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Fill };
            for (var j = 0; j < keypoints.Count; j++)
            {
                if (keypoints[j].Score < minScore)
                {
                    continue;
                }

                var heat = max > min && j < jointHeat.Count ? (jointHeat[j] - min) / (max - min) : 0;
                joint.Color = HeatColor(heat);
                canvas.DrawCircle(keypoints[j].X, keypoints[j].Y, (3 + 7 * heat) * scale, joint);
            }
        }

        // One filter (Up) at zlib level 3 instead of Skia's default (every filter tried per row, level 6): on frames of
        // the 139 s clip 9 against 31 ms a frame, 187 against 177 KB (docs/benchmarks.md).
        using var pixmap = bitmap.PeekPixels();
        using var png = pixmap.Encode(PngOptions) ?? throw new InvalidOperationException("Skia could not encode the keyframe as PNG.");
        png.SaveTo(destination);
    }

    /// <summary>Yellow (0) to red (1), mostly opaque.</summary>
    public static SKColor HeatColor(float heat)
    {
        heat = Math.Clamp(heat, 0, 1);
        return new SKColor(255, (byte)(230 * (1 - heat)), 0, 230);
    }
}
