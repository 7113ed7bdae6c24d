using Portal.Inference.Pose;

namespace Portal.Inference.Tracking;

/// <summary>An axis-aligned box in pixels.</summary>
public readonly record struct BoxF(float X1, float Y1, float X2, float Y2)
{
    public float Width => Math.Max(0, X2 - X1);

    public float Height => Math.Max(0, Y2 - Y1);

    public float Area => Width * Height;

    public float IntersectionOverUnion(BoxF other)
    {
        var w = Math.Min(X2, other.X2) - Math.Max(X1, other.X1);
        var h = Math.Min(Y2, other.Y2) - Math.Max(Y1, other.Y1);
        if (w <= 0 || h <= 0)
        {
            return 0;
        }

        var intersection = w * h;
        return intersection / (Area + other.Area - intersection);
    }

    /// <summary>The person's box, or the tight box around the keypoints scoring at least <paramref name="minScore"/>.</summary>
    public static BoxF Of(PosePerson person, float minScore)
    {
        if (person.Box is { } box)
        {
            return new BoxF(box.X1, box.Y1, box.X2, box.Y2);
        }

        float x1 = float.MaxValue, y1 = float.MaxValue, x2 = float.MinValue, y2 = float.MinValue;
        foreach (var k in person.Keypoints.Where(k => k.Score >= minScore))
        {
            x1 = Math.Min(x1, k.X);
            y1 = Math.Min(y1, k.Y);
            x2 = Math.Max(x2, k.X);
            y2 = Math.Max(y2, k.Y);
        }

        return x1 <= x2 ? new BoxF(x1, y1, x2, y2) : default;
    }

    /// <summary>The person's box score, or the mean keypoint score when the model gives no box.</summary>
    public static float ScoreOf(PosePerson person) =>
        person.Box?.Score ?? (person.Keypoints.Count == 0 ? 0 : person.Keypoints.Average(k => k.Score));
}
