using Portal.Inference.Pose;
using Portal.Jobs.Rendering;
using SkiaSharp;

namespace Portal.UnitTests;

public class KeyframeRendererTests
{
    [Fact]
    public void WritePng_KeepsTheFrame_AndDrawsTheHottestJointRedAndLargest()
    {
        // A 101 × 61 frame (odd sizes, so a row copy that ignored the bitmap's row length would shear the picture):
        // every pixel's colour says where it is.
        const int width = 101, height = 61;
        var rgb = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                (rgb[(y * width + x) * 3], rgb[(y * width + x) * 3 + 1], rgb[(y * width + x) * 3 + 2]) = ((byte)x, (byte)y, 77);
            }
        }

        // Only the two wrists are confident: no bone is drawn, the left wrist (9) is hottest.
        var keypoints = Enumerable.Range(0, 17).Select(j => j switch
        {
            9 => new Keypoint(20, 30, 0.9f),
            10 => new Keypoint(80, 30, 0.9f),
            _ => new Keypoint(0, 0, 0.01f),
        }).ToList();
        var heat = Enumerable.Range(0, 17).Select(j => j == 9 ? 1f : 0f).ToList();
        using var png = new MemoryStream();

        KeyframeRenderer.WritePng(rgb, width, height, keypoints, heat, png);

        using var decoded = SKBitmap.Decode(png.ToArray());
        Assert.Equal((width, height), (decoded.Width, decoded.Height));
        Assert.Equal(new SKColor(50, 10, 77), decoded.GetPixel(50, 10)); // far from both joints: the frame itself
        Assert.Equal(new SKColor(100, 60, 77), decoded.GetPixel(100, 60));
        var hot = decoded.GetPixel(20, 30);
        Assert.True(hot.Red > 200 && hot.Green < 60, $"hottest joint drawn {hot}");
        var cool = decoded.GetPixel(80, 30);
        Assert.True(cool.Red > 200 && cool.Green > 150, $"coolest joint drawn {cool}");
        Assert.NotEqual(new SKColor(27, 30, 77), decoded.GetPixel(27, 30)); // inside the large hot circle (radius 10)
        Assert.Equal(new SKColor(87, 30, 77), decoded.GetPixel(87, 30)); // outside the small cool one (radius 3)
    }
}
