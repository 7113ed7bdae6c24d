namespace Portal.UnitTests;

public class StageProgressTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The actions stage reports once per track. A long track takes minutes between its reports, with many calls in
    /// between (a loop that had nothing better to report once sent 0 as its cancellation check): whatever arrives,
    /// what is written never goes back and an ETA once known stays.
    /// </summary>
    [Fact]
    public void ProgressAndEta_NeverGoBack_ThroughALongTrack()
    {
        var clock = new ManualClock();
        var progress = new StageProgress(PipelineStages.Actions, clock, Interval);
        var written = new List<(double Overall, DateTimeOffset? Eta)>();
        void Report(double fraction)
        {
            if (progress.Next(fraction) is { } report)
            {
                written.Add((report.Overall, report.Eta));
            }
        }

        // Four tracks, the third one long: 300 batches of 0.5 s each.
        int[] batchesPerTrack = [4, 6, 300, 4];
        for (var track = 0; track < batchesPerTrack.Length; track++)
        {
            for (var batch = 0; batch < batchesPerTrack[track]; batch++)
            {
                clock.Advance(TimeSpan.FromMilliseconds(500));
                Report(0); // what a progress-less call in the middle of a track used to send
            }

            clock.Advance(TimeSpan.FromSeconds(1)); // the track's windows and segments are written
            Report((track + 1) / (double)batchesPerTrack.Length);
        }

        Assert.True(written.Count > 50, $"only {written.Count} reports were written");
        Assert.All(written.Zip(written.Skip(1)), pair => Assert.True(pair.Second.Overall >= pair.First.Overall, $"progress went back from {pair.First.Overall} to {pair.Second.Overall}"));
        var firstEta = written.FindIndex(w => w.Eta is not null);
        Assert.InRange(firstEta, 0, 5);
        Assert.All(written.Skip(firstEta), w => Assert.NotNull(w.Eta));
        // The long track's end got through, and stayed.
        var longTrackDone = PipelineStages.Overall(PipelineStages.Actions, 0.75);
        Assert.True(written[^1].Overall >= longTrackDone - 1e-9, $"ended at {written[^1].Overall}");
    }

    [Fact]
    public void Reports_AreThrottled_ToOnePerInterval()
    {
        var clock = new ManualClock();
        var progress = new StageProgress(PipelineStages.Poses, clock, Interval);

        Assert.NotNull(progress.Next(0.1));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(progress.Next(0.2));
        clock.Advance(TimeSpan.FromSeconds(1));
        var report = progress.Next(0.3);

        Assert.NotNull(report);
        Assert.Equal(PipelineStages.Overall(PipelineStages.Poses, 0.3), report.Value.Overall, 9);
        // 2 s for 30 %: about 6.7 s for the stage, counted from its start.
        Assert.Equal(clock.Start + TimeSpan.FromSeconds(2 / 0.3), report.Value.Eta!.Value, TimeSpan.FromMilliseconds(1));
    }

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

        public DateTimeOffset Start { get; } = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
