using System.Globalization;

namespace Portal.Web.Components.Review;

/// <summary>Small formatting helpers shared by the review components; numbers in markup are always invariant.</summary>
public static class ReviewFormat
{
    public static string Number(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);

    public static string Percent(double part, double whole) => whole > 0 ? Number(Math.Clamp(part / whole * 100, 0, 100)) + "%" : "0%";

    public static string Time(double seconds)
    {
        var t = TimeSpan.FromSeconds(Math.Max(0, seconds));
        return t.TotalHours >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}.{t.Milliseconds / 100}")
            : string.Create(CultureInfo.InvariantCulture, $"{t.Minutes}:{t.Seconds:00}.{t.Milliseconds / 100}");
    }

    /// <summary>A stable colour per label (the same label is the same colour on every page); uncertain is grey.</summary>
    public static string LabelColor(string label)
    {
        if (label == "uncertain")
        {
            return "hsl(220 8% 70%)";
        }

        // FNV-1a: string.GetHashCode is randomised per process.
        var hash = 2166136261u;
        foreach (var c in label)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return string.Create(CultureInfo.InvariantCulture, $"hsl({hash % 360} 65% 55%)");
    }
}

/// <summary>Which segment: a track and the segment's index within it.</summary>
public sealed record SegmentRef(int TrackId, int Index);
