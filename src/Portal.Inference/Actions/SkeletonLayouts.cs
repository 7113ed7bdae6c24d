namespace Portal.Inference.Actions;

/// <summary>
/// Joint layouts and the conversions between them, mirrored from training/portal_actions/skeletons.py (same
/// constants; tests compare both sides through a shared fixture). 3D coordinates are Kinect v1 camera space in
/// metres: y up, z away from the sensor, x to the sensor's left.
/// </summary>
public static class SkeletonLayouts
{
    public const string Kinect20 = "kinect20";
    public const string Coco17 = "coco17";
    public const string Ntu25 = "ntu25";

    public static readonly string[] Coco17Names =
    [
        "nose", "left_eye", "right_eye", "left_ear", "right_ear",
        "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
        "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
    ];

    public static readonly string[] Kinect20Names =
    [
        "hip_centre", "spine", "shoulder_centre", "head",
        "left_shoulder", "left_elbow", "left_wrist", "left_hand",
        "right_shoulder", "right_elbow", "right_wrist", "right_hand",
        "left_hip", "left_knee", "left_ankle", "left_foot",
        "right_hip", "right_knee", "right_ankle", "right_foot",
    ];

    /// <summary>Index in an MSR Action3D file of each Kinect20 joint (derived from the data; docs/models.md).</summary>
    public static readonly int[] MsrToKinect20 = [6, 3, 2, 19, 0, 7, 9, 11, 1, 8, 10, 12, 4, 13, 15, 17, 5, 14, 16, 18];

    /// <summary>Index in an NTU RGB+D 25-joint skeleton of each Kinect20 joint (NTU's spine-shoulder is joint 20).</summary>
    public static readonly int[] Ntu25ToKinect20 = [0, 1, 20, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19];

    /// <summary>COCO-17 body joints (index 5..16) taken from Kinect20 joints.</summary>
    private static readonly int[] CocoBodyFromKinect = [4, 8, 5, 9, 6, 10, 12, 16, 13, 17, 14, 18];

    /// <summary>Face points as (forward, up, right) multiples of the neck-to-head distance from the head joint.</summary>
    private static readonly (double F, double U, double R)[] FaceOffsets =
    [
        (0.45, -0.10, 0.00), (0.35, 0.10, -0.15), (0.35, 0.10, 0.15), (-0.05, 0.00, -0.35), (-0.05, 0.00, 0.35),
    ];

    public const double CleanBodyScore = 0.9;
    public const double CleanFaceScore = 0.5;
    public const double EvalFocal = 525.0;
    public const double EvalWidth = 640.0;
    public const double EvalHeight = 480.0;

    public static int JointCount(string layout) => layout switch
    {
        Kinect20 => 20,
        Coco17 => 17,
        Ntu25 => 25,
        _ => throw new ArgumentException($"unknown layout '{layout}'", nameof(layout)),
    };

    /// <summary>One Kinect20 frame [20 * 3] -> 17 COCO joints [17 * 3] in the same camera space.</summary>
    public static double[] Kinect20ToCoco17(ReadOnlySpan<double> k)
    {
        var o = new double[17 * 3];
        for (var i = 0; i < CocoBodyFromKinect.Length; i++)
        {
            var j = CocoBodyFromKinect[i];
            o[(5 + i) * 3] = k[j * 3];
            o[(5 + i) * 3 + 1] = k[j * 3 + 1];
            o[(5 + i) * 3 + 2] = k[j * 3 + 2];
        }

        Span<double> head = [k[9], k[10], k[11]];
        Span<double> up = [k[9] - k[6], k[10] - k[7], k[11] - k[8]];
        var h = Norm(up);
        Span<double> u = stackalloc double[3];
        Unit(up, u);
        Span<double> r = stackalloc double[3];
        Unit([k[24] - k[12], k[25] - k[13], k[26] - k[14]], r);
        Span<double> cross = [u[1] * r[2] - u[2] * r[1], u[2] * r[0] - u[0] * r[2], u[0] * r[1] - u[1] * r[0]];
        Span<double> f = stackalloc double[3];
        Unit(cross, f);
        for (var c = 0; c < FaceOffsets.Length; c++)
        {
            var (a, b, g) = FaceOffsets[c];
            for (var d = 0; d < 3; d++)
            {
                o[c * 3 + d] = head[d] + h * (a * f[d] + b * u[d] + g * r[d]);
            }
        }

        return o;
    }

    /// <summary>
    /// The deterministic 2D view of one Kinect20 frame used to evaluate the COCO-17 model on the 3D datasets:
    /// COCO-17 mapping, Kinect v1 camera (f = 525 px, 640x480), scores 0.9 body / 0.5 face. Returns [17 * 3]
    /// (x px, y px, score).
    /// </summary>
    public static double[] EvalProjection(ReadOnlySpan<double> kinectFrame)
    {
        var coco = Kinect20ToCoco17(kinectFrame);
        var o = new double[17 * 3];
        for (var j = 0; j < 17; j++)
        {
            var z = Math.Max(coco[j * 3 + 2], 1e-3);
            o[j * 3] = EvalWidth / 2.0 - EvalFocal * coco[j * 3] / z;
            o[j * 3 + 1] = EvalHeight / 2.0 - EvalFocal * coco[j * 3 + 1] / z;
            o[j * 3 + 2] = j < 5 ? CleanFaceScore : CleanBodyScore;
        }

        return o;
    }

    private static double Norm(ReadOnlySpan<double> v) => Math.Sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);

    private static void Unit(ReadOnlySpan<double> v, Span<double> into)
    {
        var n = Math.Max(Norm(v), 1e-6);
        into[0] = v[0] / n;
        into[1] = v[1] / n;
        into[2] = v[2] / n;
    }
}
