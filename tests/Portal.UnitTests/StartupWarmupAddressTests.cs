using Portal.Web.Hosting;

namespace Portal.UnitTests;

public class StartupWarmupAddressTests
{
    [Theory]
    [InlineData("http://0.0.0.0:8080", "http://127.0.0.1:8080/")]
    [InlineData("http://[::]:5000", "http://127.0.0.1:5000/")]
    [InlineData("http://+:80", "http://127.0.0.1/")]
    [InlineData("http://*:5098", "http://127.0.0.1:5098/")]
    [InlineData("http://127.0.0.1:5098", "http://127.0.0.1:5098/")]
    public void LoopbackAddress_ReachesAWildcardListenerOnThisMachine(string listening, string expected) =>
        Assert.Equal(new Uri(expected), StartupWarmup.LoopbackAddress([listening]));

    [Fact]
    public void LoopbackAddress_TakesThePlainHttpOne_AndNoneWhenThereIsOnlyHttps()
    {
        Assert.Equal(new Uri("http://127.0.0.1:8080/"), StartupWarmup.LoopbackAddress(["https://0.0.0.0:8443", "http://0.0.0.0:8080"]));
        Assert.Null(StartupWarmup.LoopbackAddress(["https://0.0.0.0:8443"]));
        Assert.Null(StartupWarmup.LoopbackAddress([]));
    }
}
