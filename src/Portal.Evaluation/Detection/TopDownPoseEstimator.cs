using Portal.Inference.Pose;

namespace Portal.Evaluation.Detection;

/// <summary>
/// Top-down multi-person pose: a person detector finds the people, then a single-pose model (Thunder is the accurate
/// one) looks at a square crop around each, <see cref="CropExpansion"/> times the box's longer side, centred on the
/// box. Each person keeps the detector's box and score; keypoints are in source-frame pixels. Not thread-safe.
/// </summary>
public sealed class TopDownPoseEstimator
{
    /// <summary>Crop side relative to the box's longer side (context around the person helps the pose model).</summary>
    public const double CropExpansion = 1.25;

    private readonly PersonDetector _detector;
    private readonly PoseEstimator _singlePose;

    public TopDownPoseEstimator(PersonDetector detector, PoseEstimator singlePose)
    {
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentNullException.ThrowIfNull(singlePose);
        if (singlePose.IsMultiPose)
        {
            throw new ArgumentException($"Top-down estimation needs a single-pose model (Lightning or Thunder), not {singlePose.Card.Name}.", nameof(singlePose));
        }

        _detector = detector;
        _singlePose = singlePose;
    }

    public IReadOnlyList<PosePerson> Estimate(ReadOnlySpan<byte> rgb, int width, int height)
    {
        var people = new List<PosePerson>();
        foreach (var box in _detector.Detect(rgb, width, height))
        {
            var person = _singlePose.Estimate(rgb, width, height, RegionAround(box))[0];
            people.Add(person with { Box = box });
        }

        return people;
    }

    /// <summary>The square crop the pose model sees for a detected box.</summary>
    public static CropRegion RegionAround(PersonBox box)
    {
        var side = Math.Max(Math.Max(box.X2 - box.X1, box.Y2 - box.Y1) * CropExpansion, 1);
        var centreX = (box.X1 + box.X2) / 2.0;
        var centreY = (box.Y1 + box.Y2) / 2.0;
        return new CropRegion(centreX - (side / 2), centreY - (side / 2), side);
    }
}
