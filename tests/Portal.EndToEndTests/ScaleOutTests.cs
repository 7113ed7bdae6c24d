namespace Portal.EndToEndTests;

/// <summary>A web host without a worker; each test starts the worker processes it needs. A killed worker's job is fetched again after 10 s.</summary>
public sealed class PortalWithoutWorkers : RunningPortal
{
    protected override bool InProcessWorker => false;

    protected override bool StartsAWorker => false;

    protected override int InvisibilityTimeoutSeconds => 10;
}

/// <summary>
/// Several worker processes (what `./portal worker` starts) on one PostgreSQL and one media store, each a Hangfire
/// server of its own: which server ran a job is read from Hangfire's own records (hangfire.state, hangfire.server).
/// Every test starts its own workers and they are killed after it, so one test's workers never do another's jobs.
/// </summary>
public sealed class ScaleOutTests(PortalWithoutWorkers portal) : IClassFixture<PortalWithoutWorkers>, IDisposable
{
    private readonly TempDirectory _clips = new("portal-scale-clips");

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
        var ranOn = await StagesRanAsync();
        Assert.NotEmpty(ranOn);
        foreach (var (stage, server) in new[] { ("ProxyJob", "media-only"), ("PosesJob", "inference-only"), ("ActionsJob", "inference-only"), ("KeyframesJob", "media-only") })
        {
            var runs = ranOn.Where(row => row.Job.Contains($".{stage},", StringComparison.Ordinal)).ToList();
            Assert.True(runs.Count > 0, $"no {stage} ran: {string.Join("; ", ranOn)}");
            Assert.All(runs, row => Assert.StartsWith(server, row.Server, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task TwelveUploads_SpreadOverThreeWorkers_OneKilledMidVideo_EachVideoSucceedsExactlyOnce()
    {
        string[] names = ["scale-a", "scale-b", "scale-c"];
        var workers = names.ToDictionary(name => name, name => portal.StartWorker(Worker(name, null)));
        using var api = new PortalApi(portal);
        var ids = new List<Guid>();
        foreach (var clip in ShortClips(12))
        {
            ids.Add(await api.UploadAsync(clip));
        }

        // The admin console lists the three workers (their Hangfire servers) while they work.
        var admin = await portal.AddAccountAsync($"admin-{Guid.NewGuid():N}@portal.test", admin: true);
        var page = await portal.NewPageAsync(signedIn: false);
        await RunningPortal.SignInAsync(page, admin);
        await page.GotoAsync("/admin");
        foreach (var name in names)
        {
            await Assertions.Expect(page.GetByTestId("worker-row").Filter(new LocatorFilterOptions { HasText = name + ":" })).ToBeVisibleAsync();
        }

        await page.Context.CloseAsync();

        // Once each worker has finished a job of its own, SIGKILL one of them in the middle of a stage.
        var deadline = DateTime.UtcNow.AddMinutes(4);
        (string Worker, Guid Video)? victim = null;
        while (victim is null)
        {
            Assert.True(DateTime.UtcNow < deadline, $"not every worker finished a job, or none was busy: {string.Join("; ", await StagesRanAsync())}\n{portal.Log}");
            var finishedBy = await SucceededJobsByWorkerAsync();
            if (names.All(name => finishedBy.GetValueOrDefault(name) > 0))
            {
                // A job Hangfire has just handed to a worker may not have marked its video Processing yet (seen once
                // under a load average of 12): the victim is a worker whose video already says so.
                foreach (var busy in await BusyWorkersAsync())
                {
                    if ((await api.VideoAsync(busy.Video)).GetProperty("status").GetString() == "Processing")
                    {
                        victim = busy;
                        break;
                    }
                }
            }

            if (victim is null)
            {
                await Task.Delay(100);
            }
        }

        portal.KillWorker(workers[victim.Value.Worker]);
        Assert.Equal("Processing", (await api.VideoAsync(victim.Value.Video)).GetProperty("status").GetString());

        foreach (var id in ids)
        {
            Assert.Equal("Succeeded", await api.WaitUntilFinishedAsync(id, TimeSpan.FromMinutes(6)));
            await portal.AssertProcessedOnceAsync(id);
            await AssertTracksNumberedOnceAsync(id);
        }

        // Every worker did some of the work (the killed one before it died), counted from Hangfire's records.
        var done = await SucceededJobsByWorkerAsync();
        Assert.All(names, name => Assert.True(done.GetValueOrDefault(name) > 0, $"{name} finished no job: {string.Join(", ", done)}"));
        AssertNothingHalfWritten();
        AssertOneKeyframePerSegment(await SegmentCountAsync());
    }

    [Fact]
    public async Task SigtermDuringAStage_TheWorkerExitsInItsShutdownTimeout_LeavingNothingHalfWritten_AndAnotherWorkerFinishes()
    {
        // 20 s of MPEG-4 Part 2: the proxy stage must re-encode it to H.264, which takes long enough to stop it midway.
        var clip = _clips.File("long-mpeg4.avi");
        TestFfmpeg.Run("-stream_loop", "1", "-i", TestPaths.Video("basketball_two_people.mp4"), "-t", "20", "-an", "-c:v", "mpeg4", "-q:v", "6", clip);
        var first = portal.StartWorker(Worker("term-first", null));
        using var api = new PortalApi(portal);
        var id = await api.UploadAsync(clip);
        await api.WaitForStageAsync(id, "proxy", TimeSpan.FromMinutes(2));
        // Stopped once ffmpeg has begun writing the temporary proxy, not while the stage still probes its input.
        var partial = Path.Combine(portal.Media.Path, "videos", id.ToString("N"), "proxy.mp4.partial.mp4");
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!File.Exists(partial) || new FileInfo(partial).Length == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"ffmpeg never began the proxy:\n{portal.Log}");
            await Task.Delay(50);
        }

        var took = await portal.TerminateWorkerAsync(first);

        // The host's shutdown timeout is 30 s (longer than Hangfire's 15 s): a stage must stop, or end, inside it.
        Assert.True(took < TimeSpan.FromSeconds(30), $"the worker took {took} to stop:\n{portal.Log}");
        Assert.Equal(0, first.ExitCode);
        AssertNothingHalfWritten();
        var completed = await portal.ScalarAsync("""select "CompletedStage" from portal.processing_runs where "VideoId" = @id""", id) as string;
        var proxyKept = File.Exists(Path.Combine(portal.Media.Path, "videos", id.ToString("N"), "proxy.mp4"));
        // Either the stage ended and was checkpointed, or it stopped and left no proxy behind: never a proxy stage that
        // counts as done without its file.
        Assert.True(completed is null || proxyKept, $"the run says {completed} but no proxy file is there");
        Assert.Equal("Processing", (await api.VideoAsync(id)).GetProperty("status").GetString());

        portal.StartWorker(Worker("term-second", null));
        Assert.Equal("Succeeded", await api.WaitUntilFinishedAsync(id, TimeSpan.FromMinutes(5)));
        await portal.AssertProcessedOnceAsync(id);
        await AssertTracksNumberedOnceAsync(id);
        AssertNothingHalfWritten();
        var ranOn = await StagesRanAsync();
        Assert.Contains(ranOn, row => row.Job.Contains(".ProxyJob,", StringComparison.Ordinal) && row.Server.StartsWith("term-first", StringComparison.Ordinal));
        Assert.Contains(ranOn, row => row.Job.Contains(".KeyframesJob,", StringComparison.Ordinal) && row.Server.StartsWith("term-second", StringComparison.Ordinal));
    }

    public void Dispose()
    {
        portal.StopWorkers();
        _clips.Dispose();
    }

    /// <summary>
    /// <paramref name="count"/> different 3 s clips (different starts in two shared clips, re-encoded small), so twelve
    /// videos cost seconds each on this machine.
    /// </summary>
    private List<string> ShortClips(int count) => Enumerable.Range(0, count).Select(i =>
    {
        var source = i % 2 == 0 ? "basketball_two_people.mp4" : "k400_arm_wrestling.mp4";
        var path = _clips.File($"short-{i:00}.mp4");
        TestFfmpeg.Run("-ss", (i / 2).ToString(System.Globalization.CultureInfo.InvariantCulture), "-t", "3", "-i", TestPaths.Video(source),
            "-an", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", path);
        return path;
    }).ToList();

    /// <summary>Every Processing state Hangfire recorded: the job's type and the server that ran it.</summary>
    private async Task<List<(string Job, string Server)>> StagesRanAsync() =>
        [.. (await portal.ColumnAsync("""
            select j.invocationdata::jsonb->>'Type' || ' @ ' || (s.data::jsonb->>'ServerId')
            from hangfire.job j join hangfire.state s on s.jobid = j.id
            where s.name = 'Processing'
            order by s.id
            """)).Select(row => row.Split(" @ ")).Select(parts => (parts[0], parts[1]))];

    /// <summary>Per worker name: the jobs that succeeded on it (the last server that started the job before it succeeded).</summary>
    private async Task<Dictionary<string, int>> SucceededJobsByWorkerAsync() =>
        (await portal.ColumnAsync("""
            select last.server from (
                select distinct on (s.jobid) s.jobid, s.data::jsonb->>'ServerId' as server
                from hangfire.state s where s.name = 'Processing' order by s.jobid, s.id desc) last
            join hangfire.job j on j.id = last.jobid
            where j.statename = 'Succeeded'
            """))
        .GroupBy(WorkerName).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>Workers running a stage of a run now, with the stage's video.</summary>
    private async Task<List<(string Worker, Guid Video)>> BusyWorkersAsync() =>
        [.. (await portal.ColumnAsync("""
            select (s.data::jsonb->>'ServerId') || ' ' || r."VideoId"
            from hangfire.job j join hangfire.state s on s.id = j.stateid
            join portal.processing_runs r on r."Id"::text = (j.arguments::jsonb->>0)::jsonb #>> '{}'
            where j.statename = 'Processing' and r."FinishedAt" is null
            """)).Select(row => row.Split(' ')).Select(parts => (WorkerName(parts[0]), Guid.Parse(parts[1])))];

    /// <summary>A Hangfire server id is "NAME:…" (its <c>ServerName</c>, then what Hangfire adds).</summary>
    private static string WorkerName(string serverId) => serverId.Split(':')[0];

    /// <summary>Each track of the video's run once: numbers 1..n without gaps or repeats.</summary>
    private async Task AssertTracksNumberedOnceAsync(Guid id)
    {
        var numbers = await portal.ColumnAsync($"""
            select t."TrackNumber" from portal.tracks t join portal.processing_runs r on r."Id" = t."RunId"
            where r."VideoId" = '{id}' order by 1
            """);
        Assert.Equal(Enumerable.Range(1, numbers.Count).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)), numbers);
    }

    private async Task<long> SegmentCountAsync() =>
        long.Parse((await portal.ColumnAsync("select count(*) from portal.segments"))[0], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>No temporary file of a stage is left in the media store (a proxy is written under ".partial" and renamed).</summary>
    private void AssertNothingHalfWritten()
    {
        var partial = Directory.EnumerateFiles(portal.Media.Path, "*", SearchOption.AllDirectories).Where(p => p.Contains(".partial", StringComparison.Ordinal)).ToList();
        Assert.True(partial.Count == 0, $"half-written: {string.Join(", ", partial)}");
    }

    private void AssertOneKeyframePerSegment(long segments) =>
        Assert.Equal(segments, Directory.EnumerateFiles(portal.Media.Path, "*.png", SearchOption.AllDirectories).LongCount());

    private static Dictionary<string, string> Worker(string name, string? queue)
    {
        var settings = new Dictionary<string, string>
        {
            ["Portal__Worker__Name"] = name,
            // One job at a time per worker: on two cores three workers of two jobs each would mostly wait for each other.
            ["Portal__Worker__WorkerCount"] = "1",
        };
        if (queue is not null)
        {
            settings["Portal__Worker__Queues__0"] = queue;
        }

        return settings;
    }
}
