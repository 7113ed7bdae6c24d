using Portal.Inference.Blobs;

namespace Portal.Inference.Tests.Blobs;

public class HalfBlobTests
{
    [Fact]
    public void Encode_ThenDecode_KeepsAboutThreeDigits_InTwoBytesEach()
    {
        float[] values = [0f, 1f, -0.5f, 0.333333f, 1000.25f];

        var bytes = HalfBlob.Encode(values);
        var back = HalfBlob.Decode(bytes);

        Assert.Equal(values.Length * 2, bytes.Length);
        Assert.All(values.Zip(back), pair => Assert.Equal(pair.First, pair.Second, 0.001f * Math.Max(1, Math.Abs(pair.First))));
        Assert.Equal([0x00, 0x3C], bytes[2..4]); // 1.0 as little-endian IEEE float16
    }
}
