namespace Portal.Jobs.Pipeline;

/// <summary>
/// The stages of a video's processing in order, each with the share of the whole work it stands for (rough
/// measured proportions on a CPU; they only shape the progress bar).
/// </summary>
public static class PipelineStages
{
    public const string Probe = "probe";
    public const string Proxy = "proxy";
    public const string Poses = "poses";
    public const string Actions = "actions";
    public const string Keyframes = "keyframes";

    private static readonly (string Stage, double Start, double End)[] Shares =
    [
        (Probe, 0.00, 0.02),
        (Proxy, 0.02, 0.20),
        (Poses, 0.20, 0.85),
        (Actions, 0.85, 0.95),
        (Keyframes, 0.95, 1.00),
    ];

    /// <summary>The whole processing's fraction done when <paramref name="stage"/> is <paramref name="fraction"/> done.</summary>
    public static double Overall(string stage, double fraction)
    {
        var (_, start, end) = Shares.Single(s => s.Stage == stage);
        return start + (end - start) * Math.Clamp(fraction, 0, 1);
    }

    /// <summary>True when <paramref name="completed"/> is <paramref name="stage"/> or a later stage.</summary>
    public static bool IsDone(string? completed, string stage) =>
        completed is not null && Array.FindIndex(Shares, s => s.Stage == completed) >= Array.FindIndex(Shares, s => s.Stage == stage);
}
