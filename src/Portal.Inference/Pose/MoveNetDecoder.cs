namespace Portal.Inference.Pose;

/// <summary>
/// Turns MoveNet outputs (coordinates normalised to the square model input) into people in source-frame pixels.
/// <list type="bullet">
/// <item>Single pose (Lightning, Thunder): output [1, 1, 17, 3], each keypoint (y, x, score).</item>
/// <item>MultiPose: output [1, 6, 56], each person 17 x (y, x, score) then (ymin, xmin, ymax, xmax, score).</item>
/// </list>
/// </summary>
public static class MoveNetDecoder
{
    /// <summary>Values per MultiPose person: 17 keypoints x 3 + a box of 5.</summary>
    public const int MultiPoseStride = (Coco17.Count * 3) + 5;

    /// <summary>
    /// The single person of a Lightning or Thunder output. Its box spans the keypoints scoring at least
    /// <paramref name="boxKeypointThreshold"/>, scored by their mean; it is null when fewer than two qualify.
    /// </summary>
    public static PosePerson DecodeSinglePose(ReadOnlySpan<float> output, Letterbox letterbox, float boxKeypointThreshold = 0.2f)
    {
        if (output.Length < Coco17.Count * 3)
        {
            throw new ArgumentException($"A single-pose output has {Coco17.Count * 3} values; got {output.Length}.", nameof(output));
        }

        var keypoints = ReadKeypoints(output, letterbox);
        return new PosePerson(BoxAround(keypoints, boxKeypointThreshold), keypoints);
    }

    /// <summary>
    /// The people of a MultiPose output whose box score reaches <paramref name="minPersonScore"/>, best first, each
    /// person once (<see cref="IsDuplicate"/>).
    /// </summary>
    public static IReadOnlyList<PosePerson> DecodeMultiPose(ReadOnlySpan<float> output, Letterbox letterbox, float minPersonScore = 0.25f)
    {
        if (output.Length % MultiPoseStride != 0)
        {
            throw new ArgumentException($"A MultiPose output is a multiple of {MultiPoseStride} values; got {output.Length}.", nameof(output));
        }

        var people = new List<PosePerson>();
        for (var p = 0; p < output.Length / MultiPoseStride; p++)
        {
            var person = output.Slice(p * MultiPoseStride, MultiPoseStride);
            var box = person[(Coco17.Count * 3)..];
            var score = box[4];
            if (score < minPersonScore)
            {
                continue;
            }

            var (x1, y1) = letterbox.ToSource(box[1], box[0]);
            var (x2, y2) = letterbox.ToSource(box[3], box[2]);
            people.Add(new PosePerson(new PersonBox(x1, y1, x2, y2, score), ReadKeypoints(person, letterbox)));
        }

        people.Sort((a, b) => b.Box!.Value.Score.CompareTo(a.Box!.Value.Score));
        var kept = new List<PosePerson>(people.Count);
        foreach (var person in people)
        {
            if (!kept.Exists(better => IsDuplicate(person, better)))
            {
                kept.Add(person);
            }
        }

        return kept;
    }

    /// <summary>
    /// Whether <paramref name="person"/> is <paramref name="other"/> found a second time: boxes overlapping by at least
    /// 0.8 (intersection over union) and keypoints a mean of at most 5 % of the box diagonal apart. The model's own
    /// suppression sometimes lets such a copy through (the int8 graph did on one frame of a shared clip, with keypoints
    /// 0.02 % of the diagonal apart), and the tracker then starts a second track for the same person. Two real people
    /// overlapping (an embrace, arm wrestling) have keypoints far apart, so both stay.
    /// </summary>
    public static bool IsDuplicate(PosePerson person, PosePerson other)
    {
        if (person.Box is not { } a || other.Box is not { } b)
        {
            return false;
        }

        var overlap = Math.Max(0, Math.Min(a.X2, b.X2) - Math.Max(a.X1, b.X1)) * Math.Max(0, Math.Min(a.Y2, b.Y2) - Math.Max(a.Y1, b.Y1));
        var union = ((a.X2 - a.X1) * (a.Y2 - a.Y1)) + ((b.X2 - b.X1) * (b.Y2 - b.Y1)) - overlap;
        if (union <= 0 || overlap / union < 0.8f)
        {
            return false;
        }

        var distance = 0.0;
        for (var k = 0; k < person.Keypoints.Count; k++)
        {
            distance += Math.Sqrt(Math.Pow(person.Keypoints[k].X - other.Keypoints[k].X, 2) + Math.Pow(person.Keypoints[k].Y - other.Keypoints[k].Y, 2));
        }

        var diagonal = Math.Sqrt(Math.Pow(b.X2 - b.X1, 2) + Math.Pow(b.Y2 - b.Y1, 2));
        return distance / person.Keypoints.Count <= 0.05 * diagonal;
    }

    private static Keypoint[] ReadKeypoints(ReadOnlySpan<float> values, Letterbox letterbox)
    {
        var keypoints = new Keypoint[Coco17.Count];
        for (var k = 0; k < Coco17.Count; k++)
        {
            var (x, y) = letterbox.ToSource(values[(k * 3) + 1], values[k * 3]);
            keypoints[k] = new Keypoint(x, y, values[(k * 3) + 2]);
        }

        return keypoints;
    }

    private static PersonBox? BoxAround(Keypoint[] keypoints, float threshold)
    {
        float x1 = float.MaxValue, y1 = float.MaxValue, x2 = float.MinValue, y2 = float.MinValue, sum = 0;
        var count = 0;
        foreach (var k in keypoints)
        {
            if (k.Score < threshold)
            {
                continue;
            }

            x1 = Math.Min(x1, k.X);
            y1 = Math.Min(y1, k.Y);
            x2 = Math.Max(x2, k.X);
            y2 = Math.Max(y2, k.Y);
            sum += k.Score;
            count++;
        }

        return count >= 2 ? new PersonBox(x1, y1, x2, y2, sum / count) : null;
    }
}
