namespace Portal.Jobs.Pipeline;

/// <summary>What a stage's progress reports write into the video (<c>Video.ReportProgress</c>), kept apart from the database so it is tested alone.</summary>
/// <remarks>
/// At most one report per <paramref name="interval"/>. The fraction never goes below one reported before, and an ETA,
/// once known, is never replaced by none: the library shows this, and a bar that jumps back or an ETA that comes and
/// goes reads as a restart.
/// </remarks>
public sealed class StageProgress(string stage, TimeProvider clock, TimeSpan interval)
{
    /// <summary>Below this fraction done an ETA extrapolated from the time so far is mostly noise.</summary>
    private const double EtaFrom = 0.02;

    private readonly DateTimeOffset _startedAt = clock.GetUtcNow();
    private DateTimeOffset _lastReport = DateTimeOffset.MinValue;
    private double _fraction;
    private DateTimeOffset? _eta;

    /// <summary>The whole processing's fraction done, the ETA and the time to write for <paramref name="fraction"/> of the stage; null when a report is not due yet.</summary>
    public (double Overall, DateTimeOffset? Eta, DateTimeOffset At)? Next(double fraction)
    {
        // Kept even when no report is due, so that the next report carries it.
        _fraction = Math.Max(_fraction, Math.Clamp(fraction, 0, 1));
        var now = clock.GetUtcNow();
        if (now - _lastReport < interval)
        {
            return null;
        }

        _lastReport = now;
        if (_fraction > EtaFrom)
        {
            _eta = _startedAt + (now - _startedAt) / _fraction;
        }

        return (PipelineStages.Overall(stage, _fraction), _eta, now);
    }
}
