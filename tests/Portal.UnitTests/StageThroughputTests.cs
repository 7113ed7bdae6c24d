using Portal.Jobs.Monitoring;

namespace Portal.UnitTests;

/// <summary>The admin console's per-stage figures, on hand-made stage rows.</summary>
public class StageThroughputTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    private static StageSample Row(string stage, double finishedMinutesAgo, double seconds, int? frames = null) =>
        new(stage, Now.AddMinutes(-finishedMinutesAgo).AddSeconds(-seconds), Now.AddMinutes(-finishedMinutesAgo), frames);

    [Fact]
    public void Aggregate_GivesFramesOverStageWallTime_AndMeanDuration_PerPeriod()
    {
        var rows = new[]
        {
            // Last hour: 300 + 100 frames in 10 + 30 s of the stage's wall time = 10 frames/s, mean 20 s.
            Row(PipelineStages.Poses, 5, 10, 300),
            Row(PipelineStages.Poses, 50, 30, 100),
            // Earlier in the day: 600 frames in 20 s. Day: 1000 frames / 60 s, mean 20 s.
            Row(PipelineStages.Poses, 120, 20, 600),
            // Older than a day: in neither period.
            Row(PipelineStages.Poses, 25 * 60, 1, 1_000_000),
            Row(PipelineStages.Proxy, 10, 4),
            Row(PipelineStages.Proxy, 30, 2),
        };

        var figures = StageThroughput.Aggregate(rows, Now);

        Assert.Equal(PipelineStages.All.Select(s => s.Name), figures.Select(f => f.Stage));
        var poses = figures.Single(f => f.Stage == PipelineStages.Poses);
        Assert.Equal(2, poses.LastHour.Completed);
        Assert.Equal(10.0, poses.LastHour.FramesPerSecond!.Value, 9);
        Assert.Equal(TimeSpan.FromSeconds(20), poses.LastHour.MeanDuration);
        Assert.Equal(3, poses.LastDay.Completed);
        Assert.Equal(1000.0 / 60, poses.LastDay.FramesPerSecond!.Value, 9);
        Assert.Equal(TimeSpan.FromSeconds(20), poses.LastDay.MeanDuration);

        // A stage that analyses no frames has a duration but no frames per second.
        var proxy = figures.Single(f => f.Stage == PipelineStages.Proxy);
        Assert.Equal(TimeSpan.FromSeconds(3), proxy.LastHour.MeanDuration);
        Assert.Null(proxy.LastHour.FramesPerSecond);

        // A stage with no rows has nothing to say.
        var keyframes = figures.Single(f => f.Stage == PipelineStages.Keyframes);
        Assert.Equal(new StagePeriod(0, null, null), keyframes.LastDay);
    }
}
