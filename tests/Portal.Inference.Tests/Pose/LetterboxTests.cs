namespace Portal.Inference.Tests.Pose;

public class LetterboxTests
{
    [Fact]
    public void ToSource_MapsTheInputSquareOntoTheCentredSquareAroundAWideFrame()
    {
        var letterbox = new Letterbox(400, 200, 100);

        Assert.Equal(400, letterbox.Side);
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

    [Fact]
    public void Fill_RejectsAFrameOfTheWrongSize()
    {
        var letterbox = new Letterbox(10, 10, 4);

        Assert.Throws<ArgumentException>(() => letterbox.Fill(new byte[10], new int[48]));
    }
}
