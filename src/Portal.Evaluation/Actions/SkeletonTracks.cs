using System.Text.Json;
using System.Text.Json.Nodes;


namespace Portal.Evaluation.Actions;

/// <summary>One person's frames in a skeleton file: times in seconds and one flat V * 3 array per frame.</summary>
public sealed record SkeletonTrack(JsonNode? TrackId, IReadOnlyList<double> Times, IReadOnlyList<double[]> Frames, string Layout);

/// <summary>
/// Reads Portal's skeleton JSON (docs/formats.md): persons grouped by <c>trackId</c> (a null trackId is one track)
/// and converted to what a model card accepts: coco17 as (x, y, score); kinect20 and ntu25 as (x, y, z) in
/// Kinect20 order; a 3D file also feeds a coco17 model through the COCO-17 mapping and the Kinect v1 projection.
/// </summary>
public static class SkeletonTracks
{
    public static IReadOnlyList<SkeletonTrack> Read(string path, string modelLayout)
    {
        JsonNode root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path)) ?? throw new InvalidDataException($"'{path}' is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON: {e.Message}", e);
        }

        var layout = root["layout"]?.GetValue<string>() ?? throw new InvalidDataException($"'{path}' has no \"layout\".");
        var joints = layout switch
        {
            SkeletonLayouts.Coco17 => 17,
            SkeletonLayouts.Kinect20 => 20,
            SkeletonLayouts.Ntu25 => 25,
            _ => throw new InvalidDataException($"'{path}': layout '{layout}' is not one of coco17, kinect20, ntu25."),
        };
        var is3D = layout != SkeletonLayouts.Coco17;
        if (modelLayout == SkeletonLayouts.Kinect20 && !is3D)
        {
            throw new InvalidDataException($"'{path}' holds 2D {layout} keypoints; this model needs 3D joints (kinect20 or ntu25). Use a coco17 model.");
        }

        var byTrack = new Dictionary<string, (JsonNode? Id, List<double> Times, List<double[]> Frames)>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var frame in root["frames"]?.AsArray() ?? throw new InvalidDataException($"'{path}' has no \"frames\"."))
        {
            var time = frame!["time"]!.GetValue<double>();
            foreach (var person in frame["persons"]?.AsArray() ?? [])
            {
                var id = person!["trackId"];
                var key = id?.ToJsonString() ?? "null";
                if (!byTrack.TryGetValue(key, out var track))
                {
                    track = (id?.DeepClone(), [], []);
                    byTrack[key] = track;
                    order.Add(key);
                }

                var kps = person["keypoints"]!.AsArray();
                if (kps.Count != joints)
                {
                    throw new InvalidDataException($"'{path}': frame at {time}s has {kps.Count} keypoints, layout {layout} has {joints}.");
                }

                track.Times.Add(time);
                track.Frames.Add(Convert(kps, layout, modelLayout));
            }
        }

        return order.Select(k => new SkeletonTrack(byTrack[k].Id, byTrack[k].Times, byTrack[k].Frames, modelLayout)).ToList();
    }

    private static double[] Convert(JsonArray kps, string layout, string modelLayout)
    {
        if (layout == SkeletonLayouts.Coco17)
        {
            var o = new double[17 * 3];
            for (var j = 0; j < 17; j++)
            {
                var p = kps[j]!.AsArray();
                o[j * 3] = p[0]!.GetValue<double>();
                o[j * 3 + 1] = p[1]!.GetValue<double>();
                o[j * 3 + 2] = p.Count > 2 ? p[2]!.GetValue<double>() : 1.0;
            }

            return o;
        }

        var map = layout == SkeletonLayouts.Ntu25 ? SkeletonLayouts.Ntu25ToKinect20 : Enumerable.Range(0, 20).ToArray();
        var k = new double[20 * 3];
        for (var j = 0; j < 20; j++)
        {
            var p = kps[map[j]]!.AsArray();
            for (var d = 0; d < 3; d++)
            {
                k[j * 3 + d] = p[d]!.GetValue<double>();
            }
        }

        return modelLayout == SkeletonLayouts.Coco17 ? SkeletonLayouts.EvalProjection(k) : k;
    }
}
