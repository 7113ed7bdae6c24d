using System.Text.Json;
using System.Text.Json.Serialization;
using Portal.Inference.Pose;

namespace Portal.Inference.Skeletons;

/// <summary>
/// Portal's skeleton JSON format (docs/formats.md): the poses of one video, frame by frame. Coordinates are pixels of
/// the source frame (<see cref="Width"/> x <see cref="Height"/>) for 2-D layouts such as coco17.
/// </summary>
public sealed record SkeletonDocument
{
    /// <summary>Keypoint layout: "coco17" ([x, y, score]); "kinect20" and "ntu25" carry [x, y, z] or [x, y, z, score].</summary>
    public required string Layout { get; init; }

    /// <summary>Frame rate of <see cref="Frames"/> (after any --fps resampling).</summary>
    public required double Fps { get; init; }

    public required int Width { get; init; }

    public required int Height { get; init; }

    /// <summary>Optional provenance: the model that produced the poses, "name@version".</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Model { get; init; }

    public required IReadOnlyList<SkeletonFrame> Frames { get; init; }

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static async Task WriteAsync(Stream stream, SkeletonDocument document, CancellationToken cancellationToken = default) =>
        await JsonSerializer.SerializeAsync(stream, document, Options, cancellationToken);

    public static async Task<SkeletonDocument> ReadAsync(Stream stream, CancellationToken cancellationToken = default) =>
        await JsonSerializer.DeserializeAsync<SkeletonDocument>(stream, Options, cancellationToken)
        ?? throw new InvalidDataException("The skeleton file is empty.");

    /// <summary>A frame's people in the document's form: box [x1, y1, x2, y2, score] or null, keypoints [x, y, score].</summary>
    public static SkeletonFrame ToFrame(int index, double time, IReadOnlyList<PosePerson> people) =>
        new(index, Math.Round(time, 6), [.. people.Select(p => new SkeletonPerson(
            null,
            p.Box is { } b ? [Round(b.X1), Round(b.Y1), Round(b.X2), Round(b.Y2), Round(b.Score, 4)] : null,
            [.. p.Keypoints.Select(k => new[] { Round(k.X), Round(k.Y), Round(k.Score, 4) })]))]);

    private static float Round(float value, int digits = 2) => MathF.Round(value, digits);
}

/// <summary>One frame: its index in the output frame sequence, its time in seconds, and the people in it.</summary>
public sealed record SkeletonFrame(int Index, double Time, IReadOnlyList<SkeletonPerson> Persons);

/// <summary>One person: a track id (null until tracking assigns one), a box or null, and the keypoints in layout order.</summary>
public sealed record SkeletonPerson(int? TrackId, float[]? Box, IReadOnlyList<float[]> Keypoints);
