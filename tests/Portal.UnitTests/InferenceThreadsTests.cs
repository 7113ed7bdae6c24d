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
    // cores of the job, configured frames in flight and threads (0: automatic), provider → threads
    [InlineData(2, 0, 0, ExecutionProvider.Cpu, 1)] // the cores go to frames in flight, one thread each
    [InlineData(8, 2, 0, ExecutionProvider.Cpu, 4)] // frames configured: threads fill the rest of the share
    [InlineData(8, 3, 5, ExecutionProvider.Cpu, 5)] // threads configured: left alone
    [InlineData(8, 0, 0, ExecutionProvider.Cuda, 8)] // CUDA: the job's share, one frame at a time
    public void FillJobShare_SetsTheThreads_LeftAutomatic(int coresPerJob, int frames, int threads, ExecutionProvider provider, int expected)
    {
        var options = new InferenceOptions { FramesInFlight = frames, IntraOpThreads = threads, ExecutionProvider = provider };

        options.FillJobShare(coresPerJob);

        Assert.Equal(expected, options.IntraOpThreads);
    }

    [Theory]
    // cores of the worker, poses stages running (this one included), configured frames and threads, provider → frames
    [InlineData(2, 1, 0, 1, ExecutionProvider.Cpu, 2)] // a video alone gets every core
    [InlineData(2, 2, 0, 1, ExecutionProvider.Cpu, 1)] // two at once: half each
    [InlineData(2, 3, 0, 1, ExecutionProvider.Cpu, 1)] // more stages than cores: still one frame
    [InlineData(16, 3, 0, 1, ExecutionProvider.Cpu, 5)]
    [InlineData(16, 2, 0, 2, ExecutionProvider.Cpu, 4)] // two threads a session: half as many frames
    [InlineData(2, 2, 3, 1, ExecutionProvider.Cpu, 3)] // configured: as configured
    [InlineData(16, 1, 0, 16, ExecutionProvider.Cuda, 1)] // CUDA: one frame at a time
    public void FramesInFlightFor_DividesTheCores_BetweenThePosesStagesRunning(int cores, int running, int frames, int threads, ExecutionProvider provider, int expected) =>
        Assert.Equal(expected, new InferenceOptions { FramesInFlight = frames, IntraOpThreads = threads, ExecutionProvider = provider }.FramesInFlightFor(cores, running));

    [Fact]
    public void AWorker_RunsOneThreadPerSession_UnlessConfigured()
    {
        Assert.Equal((0, 1), Frames(WorkerInferenceOptions(("Portal:Worker:WorkerCount", "2"))));
        Assert.Equal((0, 1), Frames(WorkerInferenceOptions(("Portal:Worker:WorkerCount", "1"))));
        Assert.Equal((0, 3), Frames(WorkerInferenceOptions(("Portal:Worker:WorkerCount", "2"), ("Portal:Inference:IntraOpThreads", "3"))));
        Assert.Equal((1, Environment.ProcessorCount), Frames(WorkerInferenceOptions(("Portal:Worker:WorkerCount", "1"), ("Portal:Inference:FramesInFlight", "1"))));

        static (int, int) Frames(InferenceOptions o) => (o.FramesInFlight, o.IntraOpThreads);
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
