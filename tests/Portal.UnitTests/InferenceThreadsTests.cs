using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Portal.Inference.Onnx;
using Portal.Jobs.Hosting;

namespace Portal.UnitTests;

public class InferenceThreadsTests
{
    [Theory]
    [InlineData(2, 1, 2)]
    [InlineData(2, 2, 1)]
    [InlineData(2, 4, 1)]
    [InlineData(16, 4, 4)]
    [InlineData(16, 3, 5)]
    [InlineData(1, 0, 1)]
    public void ThreadsPerJob_SplitsTheCores_BetweenTheJobsThatRunAtOnce(int cores, int jobs, int expected) =>
        Assert.Equal(expected, InferenceOptions.ThreadsPerJob(cores, jobs));

    [Fact]
    public void AWorker_GivesEachOfItsJobsItsShareOfTheCores_UnlessThreadsAreConfigured()
    {
        Assert.Equal(InferenceOptions.ThreadsPerJob(Environment.ProcessorCount, 2), WorkerInferenceOptions(("Portal:Worker:WorkerCount", "2")).IntraOpThreads);
        Assert.Equal(Environment.ProcessorCount, WorkerInferenceOptions(("Portal:Worker:WorkerCount", "1")).IntraOpThreads);
        Assert.Equal(3, WorkerInferenceOptions(("Portal:Worker:WorkerCount", "2"), ("Portal:Inference:IntraOpThreads", "3")).IntraOpThreads);
    }

    // The options a worker's ONNX Runtime sessions get, from its real service registration (nothing is started).
    private static InferenceOptions WorkerInferenceOptions(params (string Key, string Value)[] settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection([
            new("ConnectionStrings:Portal", "Host=127.0.0.1;Database=unused"),
            .. settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)),
        ]);
        builder.AddPortalJobs();
        builder.AddPortalWorker();
        using var services = builder.Services.BuildServiceProvider();
        return services.GetRequiredService<IOptions<InferenceOptions>>().Value;
    }
}
