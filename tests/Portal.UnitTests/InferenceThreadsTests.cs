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
    public void CoresPerJob_SplitsTheCores_BetweenTheJobsThatRunAtOnce(int cores, int jobs, int expected) =>
        Assert.Equal(expected, InferenceOptions.CoresPerJob(cores, jobs));

    [Theory]
    // cores of the job, configured frames and threads (0: automatic), provider → frames in flight, intra-op threads
    [InlineData(2, 0, 0, ExecutionProvider.Cpu, 2, 1)] // neither configured: a frame per core, one thread each
    [InlineData(1, 0, 0, ExecutionProvider.Cpu, 1, 1)]
    [InlineData(8, 0, 2, ExecutionProvider.Cpu, 4, 2)] // threads configured: frames fill the rest of the share
    [InlineData(8, 2, 0, ExecutionProvider.Cpu, 2, 4)] // frames configured: threads fill the rest
    [InlineData(2, 0, 4, ExecutionProvider.Cpu, 1, 4)] // more threads than the share: one frame, as configured
    [InlineData(2, 3, 3, ExecutionProvider.Cpu, 3, 3)] // both configured: left alone
    [InlineData(8, 0, 0, ExecutionProvider.Cuda, 1, 8)] // CUDA: one frame at a time
    public void FillJobShare_SplitsAJobsCores_BetweenFramesInFlightAndThreads(int cores, int frames, int threads, ExecutionProvider provider, int expectedFrames, int expectedThreads)
    {
        var options = new InferenceOptions { FramesInFlight = frames, IntraOpThreads = threads, ExecutionProvider = provider };

        options.FillJobShare(cores);

        Assert.Equal((expectedFrames, expectedThreads), (options.FramesInFlight, options.IntraOpThreads));
    }

    [Fact]
    public void AWorker_GivesEachOfItsJobsItsShareOfTheCores_UnlessConfigured()
    {
        var share = InferenceOptions.CoresPerJob(Environment.ProcessorCount, 2);
        var two = WorkerInferenceOptions(("Portal:Worker:WorkerCount", "2"));
        Assert.Equal((share, 1), (two.FramesInFlight, two.IntraOpThreads));
        var one = WorkerInferenceOptions(("Portal:Worker:WorkerCount", "1"));
        Assert.Equal((Environment.ProcessorCount, 1), (one.FramesInFlight, one.IntraOpThreads));
        Assert.Equal(3, WorkerInferenceOptions(("Portal:Worker:WorkerCount", "2"), ("Portal:Inference:IntraOpThreads", "3")).IntraOpThreads);
        Assert.Equal(1, WorkerInferenceOptions(("Portal:Worker:WorkerCount", "1"), ("Portal:Inference:FramesInFlight", "1")).FramesInFlight);
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
