using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;


namespace Portal.Evaluation.Actions;

/// <summary>One test sample: Kinect20 frames ([20 * 3] metres each) of a 3D dataset, or COCO-17 frames ([17 * 3]
/// x px, y px, score) of a 2D one (<see cref="PennActionDataset"/>), and its label name.</summary>
public sealed record ActionSample(string Id, IReadOnlyList<double[]> Frames, string Label, string Layout = SkeletonLayouts.Kinect20);

/// <summary>
/// Readers for the two 3D datasets under ../shared/data/skeleton with their standard test splits, mirrored from
/// training/portal_actions/data.py: NW-UCLA cross-view (test view v3, 464 files) and MSR Action3D cross-subject
/// (test subjects 2, 4, 6, 8, 10 of files_used_in_cvpr12_paper.txt).
/// </summary>
public static partial class ActionDatasets
{
    public static readonly string[] NwUclaLabels =
    [
        "pick up with one hand", "pick up with two hands", "drop trash", "walk around", "sit down",
        "stand up", "donning", "doffing", "throw", "carry",
    ];

    private static readonly int[] NwUclaActionIds = [1, 2, 3, 4, 5, 6, 8, 9, 11, 12];

    public static readonly string[] MsrLabels =
    [
        "high arm wave", "horizontal arm wave", "hammer", "hand catch", "forward punch", "high throw", "draw x",
        "draw tick", "draw circle", "hand clap", "two hand wave", "side boxing", "bend", "forward kick",
        "side kick", "jogging", "tennis swing", "tennis serve", "golf swing", "pick up and throw",
    ];

    [GeneratedRegex(@"^a(\d+)_s(\d+)_e(\d+)(?:_v(\d+))?")]
    private static partial Regex SampleName();

    public static IReadOnlyList<ActionSample> LoadTestSplit(string dataset, string dataRoot) => dataset switch
    {
        "nw-ucla" => LoadNwUclaTest(dataRoot),
        "msr-action3d" => LoadMsrTest(dataRoot),
        PennActionDataset.Name => PennActionDataset.LoadValidation(dataRoot),
        _ => throw new ArgumentException($"unknown dataset '{dataset}' (expected nw-ucla, msr-action3d or penn-action)", nameof(dataset)),
    };

    public static IReadOnlyList<ActionSample> LoadNwUclaTest(string dataRoot)
    {
        var folder = Path.Combine(dataRoot, "skeleton", "nw_ucla", "all_sqe");
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"NW-UCLA not found at '{folder}' (see ../shared/data/README.md).");
        }

        var samples = new List<ActionSample>();
        foreach (var file in Directory.GetFiles(folder, "*_v03.json").Order(StringComparer.Ordinal))
        {
            var id = Path.GetFileNameWithoutExtension(file);
            var m = SampleName().Match(id);
            var action = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            using var doc = JsonDocument.Parse(File.ReadAllBytes(file));
            var frames = new List<double[]>();
            foreach (var frame in doc.RootElement.GetProperty("skeletons").EnumerateArray())
            {
                var f = new double[60];
                var j = 0;
                foreach (var joint in frame.EnumerateArray())
                {
                    var d = 0;
                    foreach (var c in joint.EnumerateArray())
                    {
                        f[j * 3 + d++] = c.GetDouble();
                    }

                    j++;
                }

                frames.Add(f);
            }

            samples.Add(new ActionSample(id, frames, NwUclaLabels[Array.IndexOf(NwUclaActionIds, action)]));
        }

        return samples;
    }

    public static IReadOnlyList<ActionSample> LoadMsrTest(string dataRoot)
    {
        var folder = Path.Combine(dataRoot, "skeleton", "msr_action3d");
        var list = Path.Combine(folder, "files_used_in_cvpr12_paper.txt");
        if (!File.Exists(list))
        {
            throw new FileNotFoundException($"MSR Action3D not found at '{folder}' (see ../shared/data/README.md).", list);
        }

        var samples = new List<ActionSample>();
        var stems = File.ReadAllText(list).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal);
        foreach (var stem in stems)
        {
            var m = SampleName().Match(stem);
            var subject = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
            if (subject % 2 != 0)
            {
                continue;
            }

            var action = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            var values = File.ReadAllText(Path.Combine(folder, stem + "_skeleton3D.txt"))
                .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
                .Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            var frames = new List<double[]>();
            for (var start = 0; start + 80 <= values.Length; start += 80)
            {
                var f = new double[60];
                for (var j = 0; j < 20; j++)
                {
                    var src = start + SkeletonLayouts.MsrToKinect20[j] * 4;
                    f[j * 3] = values[src];
                    f[j * 3 + 1] = values[src + 1];
                    f[j * 3 + 2] = values[src + 2];
                }

                frames.Add(f);
            }

            samples.Add(new ActionSample(stem, frames, MsrLabels[action - 1]));
        }

        return samples;
    }
}
