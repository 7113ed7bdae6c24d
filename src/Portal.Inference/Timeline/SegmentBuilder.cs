namespace Portal.Inference.Timeline;

/// <summary>One classified window of one track: its time span and class probabilities (softmax, same label order for all).</summary>
public sealed record WindowPrediction(double StartSeconds, double EndSeconds, float[] Probabilities);

/// <summary>A label held over a stretch of time.</summary>
/// <param name="Label">A model label, or <see cref="SegmentBuilder.Uncertain"/>.</param>
/// <param name="Confidence">Mean probability of the label over the segment's windows (for "uncertain": of the best label).</param>
/// <param name="TopK">The labels with the highest mean probability over the segment's windows, best first.</param>
/// <param name="FirstWindow">Index of the segment's first window in the input.</param>
/// <param name="WindowCount">Number of windows merged into the segment.</param>
public sealed record Segment(double StartSeconds, double EndSeconds, string Label, float Confidence, IReadOnlyList<(string Label, float Score)> TopK, int FirstWindow, int WindowCount);

public sealed record SegmentOptions
{
    /// <summary>For models whose card carries no calibrated threshold.</summary>
    public const float DefaultUncertainBelow = 0.4f;

    /// <summary>Windows whose best probability is below this are "uncertain" (the model card's calibrated value).</summary>
    public float UncertainBelow { get; init; } = DefaultUncertainBelow;

    /// <summary>A different label must win this many consecutive windows before the segment switches (hysteresis).</summary>
    public int SwitchAfterWindows { get; init; } = 2;

    /// <summary>... unless it wins one window with at least this probability.</summary>
    public float SwitchAtOnceAbove { get; init; } = 0.85f;

    public int TopK { get; init; } = 5;
}

/// <summary>
/// Turns a track's overlapping window predictions into non-overlapping labelled segments: consecutive windows with
/// the same best label merge; a change of label needs to persist (hysteresis) so one noisy window does not split a
/// segment; low-confidence windows form "uncertain" segments. Boundaries between neighbours lie at the midpoint of
/// the overlap of their edge windows, so segments tile the track's time without overlapping.
/// </summary>
public sealed class SegmentBuilder(IReadOnlyList<string> labels, SegmentOptions options)
{
    public const string Uncertain = "uncertain";

    public IReadOnlyList<Segment> Build(IReadOnlyList<WindowPrediction> windows)
    {
        if (windows.Count == 0)
        {
            return [];
        }

        var perWindow = windows.Select(Classify).ToArray();
        var runs = new List<(string Label, int First, int Count)>();
        var i = 0;
        while (i < windows.Count)
        {
            var label = perWindow[i].Label;
            var first = i;
            i++;
            while (i < windows.Count)
            {
                if (perWindow[i].Label == label)
                {
                    i++;
                    continue;
                }

                // A challenger takes over only if it persists, or if it is very sure at once.
                var persists = Enumerable.Range(i, Math.Min(options.SwitchAfterWindows, windows.Count - i))
                    .All(k => perWindow[k].Label == perWindow[i].Label) && i + options.SwitchAfterWindows <= windows.Count;
                if (persists || perWindow[i].Score >= options.SwitchAtOnceAbove)
                {
                    break;
                }

                i++; // absorbed into the current segment
            }

            runs.Add((label, first, i - first));
        }

        var segments = new List<Segment>(runs.Count);
        for (var r = 0; r < runs.Count; r++)
        {
            var (label, first, count) = runs[r];
            var last = first + count - 1;
            var start = r == 0 ? windows[first].StartSeconds : Boundary(windows[first - 1], windows[first]);
            var end = r == runs.Count - 1 ? windows[last].EndSeconds : Boundary(windows[last], windows[last + 1]);
            var mean = MeanProbabilities(windows, first, count);
            var top = Enumerable.Range(0, mean.Length).OrderByDescending(k => mean[k]).Take(options.TopK)
                .Select(k => (labels[k], mean[k])).ToList();
            var confidence = label == Uncertain ? top[0].Item2 : mean[IndexOf(label)];
            segments.Add(new Segment(start, end, label, confidence, top, first, count));
        }

        return segments;
    }

    private (string Label, float Score) Classify(WindowPrediction window)
    {
        if (window.Probabilities.Length != labels.Count)
        {
            throw new ArgumentException($"A window has {window.Probabilities.Length} probabilities for {labels.Count} labels.");
        }

        var best = 0;
        for (var k = 1; k < window.Probabilities.Length; k++)
        {
            if (window.Probabilities[k] > window.Probabilities[best])
            {
                best = k;
            }
        }

        var score = window.Probabilities[best];
        return (score < options.UncertainBelow ? Uncertain : labels[best], score);
    }

    private int IndexOf(string label)
    {
        for (var k = 0; k < labels.Count; k++)
        {
            if (labels[k] == label)
            {
                return k;
            }
        }

        throw new ArgumentException($"Unknown label '{label}'.");
    }

    private static double Boundary(WindowPrediction before, WindowPrediction after) =>
        after.StartSeconds < before.EndSeconds
            ? (after.StartSeconds + before.EndSeconds) / 2
            : after.StartSeconds;

    private static float[] MeanProbabilities(IReadOnlyList<WindowPrediction> windows, int first, int count)
    {
        var mean = new float[windows[first].Probabilities.Length];
        for (var w = first; w < first + count; w++)
        {
            for (var k = 0; k < mean.Length; k++)
            {
                mean[k] += windows[w].Probabilities[k] / count;
            }
        }

        return mean;
    }
}
