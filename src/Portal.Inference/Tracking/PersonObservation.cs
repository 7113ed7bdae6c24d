namespace Portal.Inference.Tracking;

/// <summary>
/// One person seen in one analysed frame: a box and keypoints in source-frame pixels.
/// </summary>
/// <param name="Box">x1, y1, x2, y2 in pixels.</param>
/// <param name="BoxScore">Detection confidence, 0..1.</param>
/// <param name="Keypoints">Flattened [joint][x, y, score], pixels and 0..1; length = 3 × joints.</param>
public sealed record PersonObservation(BoxF Box, float BoxScore, float[] Keypoints)
{
    public int JointCount => Keypoints.Length / 3;
}

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

    /// <summary>The tight box around the keypoints whose score is at least <paramref name="minScore"/>; null if none.</summary>
    public static BoxF? AroundKeypoints(float[] keypoints, float minScore)
    {
        float x1 = float.MaxValue, y1 = float.MaxValue, x2 = float.MinValue, y2 = float.MinValue;
        var any = false;
        for (var j = 0; j + 2 < keypoints.Length; j += 3)
        {
            if (keypoints[j + 2] < minScore)
            {
                continue;
            }

            any = true;
            x1 = Math.Min(x1, keypoints[j]);
            y1 = Math.Min(y1, keypoints[j + 1]);
            x2 = Math.Max(x2, keypoints[j]);
            y2 = Math.Max(y2, keypoints[j + 1]);
        }

        return any ? new BoxF(x1, y1, x2, y2) : null;
    }
}
