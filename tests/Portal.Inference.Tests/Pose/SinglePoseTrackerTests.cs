namespace Portal.Inference.Tests.Pose;

public class SinglePoseTrackerTests
{
    private static Keypoint[] Standing(float score = 0.9f)
    {
        // A person 200 px tall centred at x = 300 in a 640x480 frame: shoulders at y 200, hips at y 260.
        var k = new Keypoint[17];
        for (var i = 0; i < 17; i++)
        {
            k[i] = new Keypoint(300, 230, score);
        }

        k[0] = new Keypoint(300, 160, score);   // nose
        k[5] = new Keypoint(320, 200, score);   // left shoulder
        k[6] = new Keypoint(280, 200, score);   // right shoulder
        k[11] = new Keypoint(315, 260, score);  // left hip
        k[12] = new Keypoint(285, 260, score);  // right hip
        k[15] = new Keypoint(310, 360, score);  // left ankle
        k[16] = new Keypoint(290, 360, score);  // right ankle
        return k;
    }

    [Fact]
    public void DetermineRegion_CentresASquareOnTheHips_SizedByTheBodyExtent()
    {
        var region = SinglePoseTracker.DetermineRegion(Standing(), 640, 480);

        var r = Assert.NotNull(region);
        // Hips' midpoint (300, 260); the farthest confident keypoint is the nose, 100 px above: half = 1.2 * 100.
        Assert.Equal(120 * 2, r.Side, 3);
        Assert.Equal(300 - 120, r.OriginX, 3);
        Assert.Equal(260 - 120, r.OriginY, 3);
    }

    [Fact]
    public void DetermineRegion_UsesTheWholeFrame_WhenTheTorsoIsNotVisible()
    {
        var keypoints = Standing();
        keypoints[11] = keypoints[11] with { Score = 0.1f };
        keypoints[12] = keypoints[12] with { Score = 0.1f };

        Assert.Null(SinglePoseTracker.DetermineRegion(keypoints, 640, 480));
    }

    [Fact]
    public void DetermineRegion_UsesTheWholeFrame_WhenTheCropWouldBeLargerThanTheFrame()
    {
        var keypoints = Standing();
        keypoints[0] = keypoints[0] with { Y = -400 }; // a wild confident keypoint far above the frame

        Assert.Null(SinglePoseTracker.DetermineRegion(keypoints, 640, 480));
    }
}
