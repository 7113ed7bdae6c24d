namespace Portal.Inference.Pose;

/// <summary>One keypoint in source-frame pixels (origin top-left, x right, y down); <see cref="Score"/> is the model's
/// confidence in 0..1.</summary>
public readonly record struct Keypoint(float X, float Y, float Score);

/// <summary>A person's bounding box in source-frame pixels, (X1, Y1) top-left and (X2, Y2) bottom-right, with a score in 0..1.</summary>
public readonly record struct PersonBox(float X1, float Y1, float X2, float Y2, float Score);

/// <summary>
/// One detected person: 17 keypoints in COCO-17 order (<see cref="Coco17"/>) and, where known, a box.
/// </summary>
public sealed record PosePerson(PersonBox? Box, IReadOnlyList<Keypoint> Keypoints);

/// <summary>The COCO-17 keypoint layout every MoveNet model outputs.</summary>
public static class Coco17
{
    public const string LayoutName = "coco17";

    public static IReadOnlyList<string> Names { get; } =
    [
        "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder", "left_elbow",
        "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle",
        "right_ankle",
    ];

    public const int Count = 17;
}
