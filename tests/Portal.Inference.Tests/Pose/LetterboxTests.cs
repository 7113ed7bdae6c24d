namespace Portal.Inference.Tests.Pose;

public class LetterboxTests
{
    [Fact]
    public void ToSource_MapsTheInputSquareOntoTheCentredSquareAroundAWideFrame()
    {
        var letterbox = new Letterbox(400, 200, 100);

        Assert.Equal((100, 100, 4.0), (letterbox.Width, letterbox.Height, letterbox.Scale));
        Assert.Equal((0f, -100f), letterbox.ToSource(0, 0));
        Assert.Equal((400f, 300f), letterbox.ToSource(1, 1));
        Assert.Equal((200f, 100f), letterbox.ToSource(0.5f, 0.5f));
    }

    [Fact]
    public void ToSource_PadsLeftAndRight_ForATallFrame()
    {
        var letterbox = new Letterbox(100, 300, 30);

        Assert.Equal((-100f, 0f), letterbox.ToSource(0, 0));
        Assert.Equal((50f, 150f), letterbox.ToSource(0.5f, 0.5f));
    }

    [Fact]
    public void Fill_CopiesPixelsUnchanged_WhenTheFrameIsAlreadyTheInputSize()
    {
        var rgb = new byte[4 * 4 * 3];
        for (var i = 0; i < rgb.Length; i++)
        {
            rgb[i] = (byte)(i * 5);
        }

        var input = new int[rgb.Length];
        new Letterbox(4, 4, 4).Fill(rgb, input);

        Assert.Equal(rgb.Select(b => (int)b), input);
    }

    [Fact]
    public void Fill_PadsWithBlack_AboveAndBelowAWideFrame()
    {
        var rgb = Enumerable.Repeat((byte)200, 8 * 4 * 3).ToArray(); // 8x4, uniformly grey
        var input = new int[4 * 4 * 3];

        new Letterbox(8, 4, 4).Fill(rgb, input);

        // The 8x4 frame becomes 4x2 in the middle of a 4x4 square: rows 0 and 3 are padding.
        int Pixel(int row, int col) => input[((row * 4) + col) * 3];
        Assert.All(Enumerable.Range(0, 4), c => Assert.Equal(0, Pixel(0, c)));
        Assert.All(Enumerable.Range(0, 4), c => Assert.Equal(200, Pixel(1, c)));
        Assert.All(Enumerable.Range(0, 4), c => Assert.Equal(200, Pixel(2, c)));
        Assert.All(Enumerable.Range(0, 4), c => Assert.Equal(0, Pixel(3, c)));
    }

    [Fact]
    public void Fill_InterpolatesBilinearly_WhenDownscalingByTwo()
    {
        // One row pattern 0, 100, 200, 250 repeated over 4 rows; halving samples at source x = 0.5 and 2.5.
        byte[] row = [0, 0, 0, 100, 100, 100, 200, 200, 200, 250, 250, 250];
        var rgb = Enumerable.Repeat(row, 4).SelectMany(r => r).ToArray();
        var input = new int[2 * 2 * 3];

        new Letterbox(4, 4, 2).Fill(rgb, input);

        Assert.Equal([50, 50, 50, 225, 225, 225, 50, 50, 50, 225, 225, 225], input);
    }

    [Theory]
    [InlineData(768, 432, 256, 160, 3.0)] // 16:9: 144 rows of picture, padded to 160
    [InlineData(432, 768, 160, 256, 3.0)] // the same, upright
    [InlineData(340, 256, 256, 224, 340 / 256.0)] // 192.8 rows, rounded to 193, padded to 224
    [InlineData(576, 576, 256, 256, 2.25)] // square: the same input as the square letterbox
    public void FitFrame_ScalesTheLongerSideToTheMaximum_AndPadsTheShorterToAMultipleOf32(int sourceWidth, int sourceHeight, int width, int height, double scale)
    {
        var letterbox = Letterbox.FitFrame(sourceWidth, sourceHeight, 256);

        Assert.Equal((width, height), (letterbox.Width, letterbox.Height));
        Assert.Equal(scale, letterbox.Scale, 9);
        // tfjs-models pads at the bottom or right: the input's origin is the frame's.
        Assert.Equal((0f, 0f), letterbox.ToSource(0, 0));
        Assert.Equal(((float)(width * scale), (float)(height * scale)), letterbox.ToSource(1, 1));
    }

    [Fact]
    public void FitFrame_FillsThePictureFromTheTop_AndPadsBelowIt()
    {
        var rgb = Enumerable.Repeat((byte)200, 64 * 36 * 3).ToArray(); // 64x36, uniformly grey
        var letterbox = Letterbox.FitFrame(64, 36, 64);
        var input = new int[letterbox.Width * letterbox.Height * 3];

        letterbox.Fill(rgb, input);

        // 64x36 at scale 1 in a 64x64 input: rows 0..35 picture, 36..63 padding.
        Assert.Equal((64, 64), (letterbox.Width, letterbox.Height));
        int Pixel(int row, int col) => input[((row * 64) + col) * 3];
        Assert.All(Enumerable.Range(0, 36), r => Assert.Equal(200, Pixel(r, 10)));
        Assert.All(Enumerable.Range(36, 28), r => Assert.Equal(0, Pixel(r, 10)));
    }

    [Fact]
    public void FitFrame_RejectsAMaximumThatIsNotAMultipleOfTheStride() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Letterbox.FitFrame(640, 480, 250));

    [Fact]
    public void Fill_RejectsAFrameOfTheWrongSize()
    {
        var letterbox = new Letterbox(10, 10, 4);

        Assert.Throws<ArgumentException>(() => letterbox.Fill(new byte[10], new int[48]));
    }
}
