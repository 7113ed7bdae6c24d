namespace Portal.EndToEndTests;

/// <summary>A web host without a worker; each test starts the worker processes it needs.</summary>
public sealed class PortalWithoutWorkers : RunningPortal
{
    protected override bool InProcessWorker => false;

    protected override bool StartsAWorker => false;
}

/// <summary>
/// Several worker processes (what `./portal worker` starts) on one PostgreSQL and one media store, each a Hangfire
/// server of its own: which server ran a job is read from Hangfire's own records (hangfire.state, hangfire.server).
/// </summary>
public sealed class ScaleOutTests(PortalWithoutWorkers portal) : IClassFixture<PortalWithoutWorkers>
{
    [Fact]
    public async Task AMediaOnlyWorker_AndAnInferenceOnlyWorker_TogetherFinishAVideo()
    {
        portal.StartWorker(Worker("media-only", "media"));
        portal.StartWorker(Worker("inference-only", "inference"));
        using var api = new PortalApi(portal);
        var id = await api.UploadAsync(TestPaths.Video("tfjs_pose_1.mp4"));

        Assert.Equal("Succeeded", await api.WaitUntilFinishedAsync(id, TimeSpan.FromMinutes(5)));
        await portal.AssertProcessedOnceAsync(id);

        var servers = await portal.ColumnAsync("select id from hangfire.server");
        Assert.Contains(servers, s => s.StartsWith("media-only", StringComparison.Ordinal));
        Assert.Contains(servers, s => s.StartsWith("inference-only", StringComparison.Ordinal));
        // Each stage's job ran on the server of its queue: the Processing state of a job names its server.
        var ranOn = (await portal.ColumnAsync("""
            select j.invocationdata::jsonb->>'Type' || ' @ ' || (s.data::jsonb->>'ServerId')
            from hangfire.job j join hangfire.state s on s.jobid = j.id
            where s.name = 'Processing'
            """)).Select(row => row.Split(" @ ")).ToList();
        Assert.NotEmpty(ranOn);
        foreach (var (stage, server) in new[] { ("ProxyJob", "media-only"), ("PosesJob", "inference-only"), ("ActionsJob", "inference-only"), ("KeyframesJob", "media-only") })
        {
            var runs = ranOn.Where(row => row[0].Contains($".{stage},", StringComparison.Ordinal)).ToList();
            Assert.True(runs.Count > 0, $"no {stage} ran: {string.Join("; ", ranOn.Select(r => string.Join(" @ ", r)))}");
            Assert.All(runs, row => Assert.StartsWith(server, row[1], StringComparison.Ordinal));
        }
    }

    private static Dictionary<string, string> Worker(string name, string queue) => new()
    {
        ["Portal__Worker__Name"] = name,
        ["Portal__Worker__Queues__0"] = queue,
    };
}
