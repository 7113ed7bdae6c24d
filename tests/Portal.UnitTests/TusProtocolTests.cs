using System.Security.Cryptography;
using Portal.Web.Uploads;

namespace Portal.UnitTests;

public class TusProtocolTests
{
    [Fact]
    public void TryParseMetadata_DecodesBase64Values_AndKeysWithoutAValue()
    {
        var error = TusProtocol.TryParseMetadata("filename Y2xpcC5tcDQ=,filetype dmlkZW8vbXA0,is_confidential", out var metadata);

        Assert.Null(error);
        Assert.Equal("clip.mp4", metadata["filename"]);
        Assert.Equal("video/mp4", metadata["filetype"]);
        Assert.Equal("", metadata["is_confidential"]);
    }

    [Theory]
    [InlineData("filename not-base64!", "not Base64")]
    [InlineData("filename Y2xpcC5tcDQ=,filename Y2xpcC5tcDQ=", "twice")]
    [InlineData("filename a b", "malformed pair")]
    public void TryParseMetadata_RefusesMalformedHeaders_WithASentence(string header, string expected) =>
        Assert.Contains(expected, TusProtocol.TryParseMetadata(header, out _), StringComparison.Ordinal);

    [Fact]
    public void TryParseChecksum_ReadsAlgorithmAndDigest()
    {
        var digest = SHA1.HashData("abc"u8);

        Assert.Null(TusProtocol.TryParseChecksum("sha1 " + Convert.ToBase64String(digest), out var algorithm, out var expected));
        Assert.Equal(HashAlgorithmName.SHA1, algorithm);
        Assert.Equal(digest, expected);
    }

    [Theory]
    [InlineData("crc32 AAAA", "not supported")]
    [InlineData("sha1 ***", "not Base64")]
    [InlineData("sha1", "algorithm name, a space")]
    public void TryParseChecksum_RefusesWhatItCannotCheck(string header, string expected) =>
        Assert.Contains(expected, TusProtocol.TryParseChecksum(header, out _, out _), StringComparison.Ordinal);

    [Theory]
    [InlineData("0", true, 0)]
    [InlineData("1048576", true, 1048576)]
    [InlineData("-1", false, 0)]
    [InlineData("+5", false, 0)]
    [InlineData("1e3", false, 0)]
    [InlineData("", false, 0)]
    [InlineData("99999999999999999999", false, 0)]
    public void TryParseSize_AcceptsOnlyPlainNonNegativeIntegers(string value, bool ok, long size)
    {
        Assert.Equal(ok, TusProtocol.TryParseSize(value, out var parsed));
        Assert.Equal(size, ok ? parsed : 0);
    }

    [Theory]
    [InlineData("clip.mp4", "video/mp4", true)]
    [InlineData("clip.MKV", "", true)]
    [InlineData("anim.gif", "image/gif", true)]
    [InlineData("odd-name", "video/quicktime", true)]
    [InlineData("notes.txt", "text/plain", false)]
    [InlineData("photo.jpg", "image/jpeg", false)]
    [InlineData("archive", null, false)]
    public void UploadTypes_AcceptVideoTypesOrVideoExtensions(string fileName, string? fileType, bool accepted) =>
        Assert.Equal(accepted, UploadTypes.IsAccepted(fileName, fileType));

    [Theory]
    [InlineData("abc")]
    [InlineData("../../../../etc/passwd")]
    [InlineData("0123456789ABCDEF0123456789ABCDEF")]
    public void UploadIds_AreOnly32LowercaseHexDigits(string id) => Assert.False(TusUploadStore.IsValidId(id));
}
