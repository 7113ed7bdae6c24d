using System.Net.Http.Json;

namespace Portal.EndToEndTests;

/// <summary>
/// A separate worker that also serves the training queue, with the stand-in trainer of the integration tests
/// (TrainerStub: the contract's lines, checkpoint and --resume without PyTorch, 0.3 s an epoch) so that a kill lands
/// mid-training within seconds; abandoned jobs are fetched again 10 s after their worker dies.
/// </summary>
public sealed class PortalWithRestartableTrainingWorker : RunningPortal
{
    protected override bool InProcessWorker => false;

    protected override int InvisibilityTimeoutSeconds => 10;

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Portal__Worker__Queues__0"] = "media",
        ["Portal__Worker__Queues__1"] = "inference",
        ["Portal__Worker__Queues__2"] = "default",
        ["Portal__Worker__Queues__3"] = "training",
        ["Portal__Training__TrainingRoot"] = Path.Combine(TestPaths.RepoRoot, "tests", "Portal.IntegrationTests", "TrainerStub"),
        ["Portal__Training__MinWindows"] = "1",
    };
}

public sealed class KilledTrainingWorkerTests(PortalWithRestartableTrainingWorker portal) : IClassFixture<PortalWithRestartableTrainingWorker>
{
    [Fact]
    public async Task WorkerKilledMidTraining_ResumesOnAnotherWorker_AndRegistersExactlyOneVersion()
    {
        await TrainPageTests.ReviewedClipAsync(portal, "taught before the kill");
        using var api = new PortalApi(portal);
        using var start = await api.Http.PostAsJsonAsync(new Uri("/api/trainings", UriKind.Relative), new { name = "survivor", epochs = 40 });
        Assert.True(start.StatusCode == HttpStatusCode.Accepted, await start.Content.ReadAsStringAsync());
        var id = (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        // SIGKILL the worker after a few epochs (each checkpointed), then start another one.
        var epochsBefore = await WaitAsync(api, id, t => t.GetProperty("epochLines").GetArrayLength() >= 3, TimeSpan.FromMinutes(2));
        portal.KillWorker();
        var killedAt = epochsBefore.GetProperty("epochLines").GetArrayLength();
        Assert.True(killedAt < 40, $"the training finished ({killedAt} epochs) before the kill");
        Assert.Equal(0L, await portal.ScalarAsync("select count(*) from portal.model_versions where \"Name\" = 'survivor' and @id is not null", id));
        portal.StartWorker();

        var done = await WaitAsync(api, id, t => t.GetProperty("status").GetString() is "Succeeded" or "Failed" or "Refused" or "Canceled", TimeSpan.FromMinutes(3));
        Assert.True(done.GetProperty("status").GetString() == "Succeeded", done.ToString());
        Assert.Equal("survivor@1", done.GetProperty("modelVersion").GetString());
        Assert.Equal(1L, await portal.ScalarAsync("select count(*) from portal.model_versions where \"Name\" = 'survivor' and @id is not null", id));
        // Every epoch once, in order: the resumed trainer says the checkpoint's lines again before its own.
        var lines = done.GetProperty("epochLines").EnumerateArray().ToList();
        var epochs = lines.Select(e => e.GetProperty("epoch").GetInt32()).ToList();
        Assert.Equal(Enumerable.Range(1, 40), epochs);
        // Resumed from the checkpoint, not again at epoch 1: the epochs the first worker's trainer finished keep its
        // process id (the stub's "trainer" field), the rest have the second one's.
        var trainers = lines.Select(e => e.GetProperty("trainer").GetInt32()).ToList();
        var firstTrainer = trainers[0];
        var byFirst = trainers.TakeWhile(t => t == firstTrainer).Count();
        Assert.True(byFirst >= killedAt && byFirst < 40, $"killed after {killedAt} epochs; the first trainer's lines: {byFirst}");
        Assert.All(trainers.Skip(byFirst), t => Assert.NotEqual(firstTrainer, t));
    }

    private static async Task<JsonElement> WaitAsync(PortalApi api, Guid id, Func<JsonElement, bool> until, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var training = await api.Http.GetFromJsonAsync<JsonElement>(new Uri($"/api/trainings/{id}", UriKind.Relative));
            if (until(training))
            {
                return training;
            }

            Assert.True(DateTime.UtcNow < deadline, $"training {id}: {training}");
            await Task.Delay(100);
        }
    }
}
