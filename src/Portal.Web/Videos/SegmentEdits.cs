namespace Portal.Web.Videos;

/// <summary>
/// The corrections a person can make to one track's segments, as pure functions from the segment list before to the
/// list after. Segments stay sorted by start and never overlap; indices are renumbered 0..n-1 after every change.
/// </summary>
public static class SegmentEdits
{
    public const int MaxLabelLength = 128;

    /// <summary>Shortest segment a split or an add may leave, in seconds.</summary>
    public const double MinSeconds = 0.01;

    public static IReadOnlyList<SegmentDto> Apply(IReadOnlyList<SegmentDto> segments, CorrectionRequest request) => request.Kind switch
    {
        CorrectionKinds.Relabel => Relabel(segments, Index(segments, request), RequireLabel(request.Label)),
        CorrectionKinds.Split => Split(segments, Index(segments, request), request.AtSeconds ?? throw new CorrectionException("A split needs atSeconds.")),
        CorrectionKinds.Merge => Merge(segments, Index(segments, request)),
        CorrectionKinds.Delete => Delete(segments, Index(segments, request)),
        CorrectionKinds.Add => Add(
            segments,
            request.StartSeconds ?? throw new CorrectionException("An added segment needs startSeconds."),
            request.EndSeconds ?? throw new CorrectionException("An added segment needs endSeconds."),
            RequireLabel(request.Label)),
        _ => throw new CorrectionException($"Unknown kind '{request.Kind}': use relabel, split, merge, delete or add."),
    };

    public static IReadOnlyList<SegmentDto> Relabel(IReadOnlyList<SegmentDto> segments, int index, string label)
    {
        var list = segments.ToList();
        var s = list[index];
        list[index] = s with { Label = label, Corrected = true, ModelLabel = ModelLabelOf(s) };
        return Renumber(list);
    }

    /// <summary>Cuts segment <paramref name="index"/> at <paramref name="at"/> seconds into two with the same label.</summary>
    public static IReadOnlyList<SegmentDto> Split(IReadOnlyList<SegmentDto> segments, int index, double at)
    {
        var list = segments.ToList();
        var s = list[index];
        if (at < s.StartSeconds + MinSeconds || at > s.EndSeconds - MinSeconds)
        {
            throw new CorrectionException($"Split inside the segment: between {s.StartSeconds:0.###} and {s.EndSeconds:0.###} s.");
        }

        var firstHasKeyframe = s.KeyframeSeconds is not { } k || k < at;
        var first = s with { EndSeconds = at, Corrected = true, ModelLabel = ModelLabelOf(s) };
        var second = s with { StartSeconds = at, Corrected = true, ModelLabel = ModelLabelOf(s) };
        first = firstHasKeyframe ? first : first with { KeyframeSeconds = null, KeyframeUrl = null };
        second = firstHasKeyframe ? second with { KeyframeSeconds = null, KeyframeUrl = null } : second;
        list[index] = first;
        list.Insert(index + 1, second);
        return Renumber(list);
    }

    /// <summary>Joins segment <paramref name="index"/> with the next one; the result keeps the first one's label.</summary>
    public static IReadOnlyList<SegmentDto> Merge(IReadOnlyList<SegmentDto> segments, int index)
    {
        if (index + 1 >= segments.Count)
        {
            throw new CorrectionException("The last segment has no next segment to merge with.");
        }

        var list = segments.ToList();
        var (a, b) = (list[index], list[index + 1]);
        list[index] = a with
        {
            EndSeconds = b.EndSeconds,
            KeyframeSeconds = a.KeyframeSeconds ?? b.KeyframeSeconds,
            KeyframeUrl = a.KeyframeUrl ?? b.KeyframeUrl,
            Corrected = true,
            ModelLabel = ModelLabelOf(a),
        };
        list.RemoveAt(index + 1);
        return Renumber(list);
    }

    public static IReadOnlyList<SegmentDto> Delete(IReadOnlyList<SegmentDto> segments, int index)
    {
        var list = segments.ToList();
        list.RemoveAt(index);
        return Renumber(list);
    }

    /// <summary>A new segment labelled by a person, in time no other segment of the track covers.</summary>
    public static IReadOnlyList<SegmentDto> Add(IReadOnlyList<SegmentDto> segments, double start, double end, string label)
    {
        if (start < 0 || end < start + MinSeconds)
        {
            throw new CorrectionException("An added segment needs 0 <= startSeconds < endSeconds.");
        }

        // Touching is fine, overlapping is not: 1 ms of float noise is tolerated.
        if (segments.FirstOrDefault(s => s.StartSeconds < end - 0.001 && start < s.EndSeconds - 0.001) is { } overlap)
        {
            throw new CorrectionException($"The new segment overlaps segment {overlap.Index} ({overlap.StartSeconds:0.###}–{overlap.EndSeconds:0.###} s); delete or split it first.");
        }

        var list = segments.ToList();
        list.Add(new SegmentDto(-1, Math.Round(start, 3), Math.Round(end, 3), label, 1, [new LabelScore(label, 1)], null, null, Corrected: true));
        return Renumber(list);
    }

    private static string? ModelLabelOf(SegmentDto s) => s.Corrected ? s.ModelLabel : s.Label;

    private static int Index(IReadOnlyList<SegmentDto> segments, CorrectionRequest request) =>
        request.Segment is { } i && i >= 0 && i < segments.Count
            ? i
            : throw new CorrectionException($"Track {request.Track} has no segment {request.Segment?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(none given)"}.");

    private static string RequireLabel(string? label)
    {
        var trimmed = label?.Trim();
        return string.IsNullOrEmpty(trimmed) || trimmed.Length > MaxLabelLength
            ? throw new CorrectionException($"A label needs 1 to {MaxLabelLength} characters.")
            : trimmed;
    }

    private static List<SegmentDto> Renumber(List<SegmentDto> list) =>
        list.OrderBy(s => s.StartSeconds).Select((s, i) => s with { Index = i }).ToList();
}

/// <summary>The kinds of <see cref="CorrectionRequest"/>.</summary>
public static class CorrectionKinds
{
    public const string Relabel = "relabel";
    public const string Split = "split";
    public const string Merge = "merge";
    public const string Delete = "delete";
    public const string Add = "add";
}

/// <summary>A correction that cannot be applied; the message says why, for a person.</summary>
public sealed class CorrectionException(string message) : Exception(message);
