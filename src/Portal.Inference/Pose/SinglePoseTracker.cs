namespace Portal.Inference.Pose;

/// <summary>
/// Runs a single-pose model (Lightning, Thunder) over consecutive frames of one video, zooming each frame onto the
/// person found in the previous one, as MoveNet's authors recommend: the model then sees the person at a higher
/// resolution. The square crop is centred on the hips and sized from the torso and body extents; when the torso is
/// not visible, or the crop would exceed the frame, the whole frame is used. No smoothing across frames is applied.
/// Create one per video (or call <see cref="Reset"/>); not thread-safe.
/// </summary>
public sealed class SinglePoseTracker(PoseEstimator estimator)
{
    /// <summary>Keypoints below this score do not steer the crop.</summary>
    public const float MinCropKeypointScore = 0.2f;

    private const int LeftShoulder = 5, RightShoulder = 6, LeftHip = 11, RightHip = 12;
    private const double TorsoExpansion = 1.9, BodyExpansion = 1.2;

    private CropRegion? _region;

    /// <summary>The crop the next frame will use; null means the whole frame.</summary>
    public CropRegion? NextRegion => _region;

    public IReadOnlyList<PosePerson> Next(ReadOnlySpan<byte> rgb, int width, int height)
    {
        if (estimator.IsMultiPose)
        {
            throw new InvalidOperationException("SinglePoseTracker needs a single-pose model (Lightning or Thunder).");
        }

        var people = estimator.Estimate(rgb, width, height, _region);
        _region = DetermineRegion(people[0].Keypoints, width, height);
        return people;
    }

    public void Reset() => _region = null;

    /// <summary>The square to look at next, from keypoints in source pixels; null for the whole frame.</summary>
    public static CropRegion? DetermineRegion(IReadOnlyList<Keypoint> keypoints, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(keypoints);
        bool Visible(int k) => keypoints[k].Score > MinCropKeypointScore;
        if (!((Visible(LeftHip) || Visible(RightHip)) && (Visible(LeftShoulder) || Visible(RightShoulder))))
        {
            return null;
        }

        double centreX = (keypoints[LeftHip].X + keypoints[RightHip].X) / 2.0;
        double centreY = (keypoints[LeftHip].Y + keypoints[RightHip].Y) / 2.0;
        double torsoX = 0, torsoY = 0, bodyX = 0, bodyY = 0;
        foreach (var k in (ReadOnlySpan<int>)[LeftShoulder, RightShoulder, LeftHip, RightHip])
        {
            torsoX = Math.Max(torsoX, Math.Abs(centreX - keypoints[k].X));
            torsoY = Math.Max(torsoY, Math.Abs(centreY - keypoints[k].Y));
        }

        for (var k = 0; k < keypoints.Count; k++)
        {
            if (Visible(k))
            {
                bodyX = Math.Max(bodyX, Math.Abs(centreX - keypoints[k].X));
                bodyY = Math.Max(bodyY, Math.Abs(centreY - keypoints[k].Y));
            }
        }

        var half = Math.Max(Math.Max(torsoX * TorsoExpansion, torsoY * TorsoExpansion), Math.Max(bodyX * BodyExpansion, bodyY * BodyExpansion));
        half = Math.Min(half, Math.Max(Math.Max(centreX, width - centreX), Math.Max(centreY, height - centreY)));
        if (half <= 0 || half > Math.Max(width, height) / 2.0)
        {
            return null;
        }

        return new CropRegion(centreX - half, centreY - half, 2 * half);
    }
}
