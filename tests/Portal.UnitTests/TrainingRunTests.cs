using System.Text.Json.Nodes;
using Portal.Data.Entities;

namespace Portal.UnitTests;

public class TrainingRunTests
{
    /// <summary>A training whose first attempt (trainer 1) said epochs 1 to 3 before its worker died.</summary>
    private static TrainingRun AfterAFirstAttempt()
    {
        var run = TrainingRun.Create(Guid.NewGuid(), null, "owner", "actions-coco2d@3.0.0", "mine", 6, new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero));
        foreach (var epoch in new[] { 1, 2, 3 })
        {
            run.RecordEpoch(Line(epoch, trainer: 1));
        }

        return run;
    }

    private static string Line(int epoch, int trainer) => new JsonObject { ["event"] = "epoch", ["epoch"] = epoch, ["epochs"] = 6, ["trainer"] = trainer }.ToJsonString();

    private static List<(int Epoch, int Trainer)> Lines(TrainingRun run) =>
        JsonNode.Parse(run.EpochsJson)!.AsArray().Select(l => (l!["epoch"]!.GetValue<int>(), l["trainer"]!.GetValue<int>())).ToList();

    [Fact]
    public void RecordEpoch_AfterAResume_KeepsTheEarlierAttemptsLines_WhenTheResumedTrainerDoesNotRepeatThem()
    {
        var run = AfterAFirstAttempt();
        // The job runs again and the resumed trainer says only its own epochs.
        run.RecordEpoch(Line(4, trainer: 2));
        run.RecordEpoch(Line(5, trainer: 2));

        Assert.Equal([(1, 1), (2, 1), (3, 1), (4, 2), (5, 2)], Lines(run));
    }

    [Fact]
    public void RecordEpoch_KeepsOneLinePerEpoch_WhenTheResumedTrainerRepeatsTheCheckpointsLines_OrRetrainsAnUncheckpointedEpoch()
    {
        var run = AfterAFirstAttempt();
        // Checkpointed after epoch 2 only: the resumed trainer repeats 1 and 2 from the checkpoint, then trains 3 again.
        run.RecordEpoch(Line(1, trainer: 1));
        run.RecordEpoch(Line(2, trainer: 1));
        Assert.Equal([(1, 1), (2, 1)], Lines(run));
        run.RecordEpoch(Line(3, trainer: 2));
        run.RecordEpoch(Line(4, trainer: 2));

        Assert.Equal([(1, 1), (2, 1), (3, 2), (4, 2)], Lines(run));
    }
}
