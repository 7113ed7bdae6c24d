using Portal.Inference.Blobs;

namespace Portal.Inference.Tests.Blobs;

public class PoseBlobTests
{
    // Frames at 10 fps with a gap from 0.4 to 1.0 s; every coordinate says which frame it belongs to.
    private static readonly double[] Seconds = [0.0, 0.1, 0.2, 0.3, 0.4, 1.0, 1.1];

    private static byte[] Blob() => PoseBlob.Encode(Seconds.Select((t, i) => new TrackFrame(
        i, t, new PosePerson(new PersonBox(i, i, i + 10, i + 20, 0.5f), Enumerable.Range(0, 17).Select(j => new Keypoint(i, j, 0.25f)).ToList()))).ToList());

    [Fact]
    public void Encode_ThenDecode_GivesTheFramesBack()
    {
        var frames = PoseBlob.Decode(Blob());

        Assert.Equal(Seconds.Length, frames.Count);
        Assert.Equal(Seconds, frames.Select(f => Math.Round(f.Seconds, 6)));
        Assert.Equal([5f, 5f, 15f, 25f, 0.5f], frames[5].Person.Box is { } b ? [b.X1, b.Y1, b.X2, b.Y2, b.Score] : []);
        Assert.Equal(new Keypoint(6, 16, 0.25f), frames[6].Person.Keypoints[16]);
    }

    [Fact]
    public void Times_AndARange_ReadOnlyWhatIsAskedFor()
    {
        var blob = Blob();

        Assert.Equal(Seconds, PoseBlob.Times(blob).Select(t => Math.Round(t, 6)));
        Assert.Equal([2, 3], PoseBlob.Decode(blob, 2, 2).Select(f => f.Frame));
        Assert.Throws<ArgumentOutOfRangeException>(() => PoseBlob.Decode(blob, 6, 2));
    }

    [Theory]
    [InlineData(-5.0, 0)]
    [InlineData(0.14, 1)]
    [InlineData(0.16, 2)]
    [InlineData(0.65, 4)] // in the gap, nearer the frame before it
    [InlineData(0.75, 5)] // in the gap, nearer the frame after it
    [InlineData(1.1, 6)]
    [InlineData(99.0, 6)]
    public void NearestFrame_IsTheFrameClosestInTime(double seconds, int expected) =>
        Assert.Equal(expected, PoseBlob.NearestFrame(Blob(), seconds));

    [Theory]
    [InlineData(0.1, 0.3, new[] { 1, 2, 3 })] // both ends included
    [InlineData(0.45, 0.95, new int[0])] // inside the gap
    [InlineData(0.35, 1.0, new[] { 4, 5 })]
    [InlineData(-1.0, 9.0, new[] { 0, 1, 2, 3, 4, 5, 6 })]
    public void DecodeBetween_GivesTheFramesInTheTimeRange(double from, double to, int[] expected) =>
        Assert.Equal(expected, PoseBlob.DecodeBetween(Blob(), from, to).Select(f => f.Frame));

    [Fact]
    public void ABlobOfTheWrongLength_IsRefused() =>
        Assert.Throws<ArgumentException>(() => PoseBlob.Times(new byte[7]));
}
