using System.Security.Cryptography;
using System.Text;

namespace Portal.Evaluation.Actions;

/// <summary>
/// Penn Action (../shared/data/skeleton/penn_action/train, one MATLAB file per clip) as the default 2D model sees it,
/// mirrored from training/portal_actions/data.py and skeletons.py: the 13 annotated joints mapped to COCO-17 with the
/// visibility (0/1) as score and the eyes and ears absent (0, 0, score 0); and the validation split drawn from the
/// official training files (the official test split is not here and is never reported).
/// </summary>
public static class PennActionDataset
{
    public const string Name = "penn-action";

    /// <summary>Class names as the files spell them, in label order.</summary>
    public static readonly string[] Classes =
    [
        "baseball_pitch", "baseball_swing", "bench_press", "bowl", "clean_and_jerk", "golf_swing", "jump_rope",
        "jumping_jacks", "pullup", "pushup", "situp", "squat", "strum_guitar", "tennis_forehand", "tennis_serve",
    ];

    /// <summary>The model's label of each class (golf swing and tennis serve are the labels MSR Action3D uses too).</summary>
    public static readonly string[] Labels =
    [
        "baseball pitch", "baseball swing", "bench press", "bowl", "clean and jerk", "golf swing", "jump rope",
        "jumping jacks", "pull-up", "push-up", "sit-up", "squat", "strum guitar", "tennis forehand", "tennis serve",
    ];

    /// <summary>COCO-17 index of each Penn joint. The dataset's documented "left" is the person's right (the data
    /// shows it: docs/models.md), so its odd joints go to COCO's right side; its head goes to the nose.</summary>
    public static readonly int[] PennToCoco17 = [0, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15];

    /// <summary>Per class, the clips whose SHA-256 of "seed/clip" sorts first, a fifth of the class rounded half up.</summary>
    public const string ValidationSeed = "penn-action-validation-1";

    public static IReadOnlyList<ActionSample> LoadValidation(string dataRoot)
    {
        var folder = Path.Combine(dataRoot, "skeleton", "penn_action", "train");
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"Penn Action not found at '{folder}' (see ../shared/data/README.md).");
        }

        var clips = Directory.GetFiles(folder, "*.mat").Order(StringComparer.Ordinal).Select(ReadClip).ToList();
        var validation = ValidationIds(clips.ToDictionary(c => c.Id, c => Classes[Array.IndexOf(Labels, c.Label)]));
        return clips.Where(c => validation.Contains(c.Id)).ToList();
    }

    /// <summary>One clip as COCO-17 frames of (x px, y px, score) for 17 joints.</summary>
    public static ActionSample ReadClip(string path)
    {
        var mat = MatFile.Read(path);
        var x = Variable(mat, "x", path);
        var y = Variable(mat, "y", path);
        var visibility = Variable(mat, "visibility", path);
        var action = Variable(mat, "action", path).Text ?? throw new InvalidDataException($"'{path}': 'action' is not text.");
        var classIndex = Array.IndexOf(Classes, action);
        if (classIndex < 0)
        {
            throw new InvalidDataException($"'{path}': unknown Penn Action class '{action}'.");
        }

        var frameCount = x.Dims[0];
        if (x.Dims.Length != 2 || x.Dims[1] != PennToCoco17.Length || y.Values.Length != x.Values.Length || visibility.Values.Length != x.Values.Length)
        {
            throw new InvalidDataException($"'{path}': expected x, y and visibility of [frames, 13], actual x [{string.Join(", ", x.Dims)}].");
        }

        var frames = new List<double[]>(frameCount);
        for (var t = 0; t < frameCount; t++)
        {
            var frame = new double[17 * 3];
            for (var p = 0; p < PennToCoco17.Length; p++)
            {
                var c = PennToCoco17[p];
                frame[c * 3] = x.Values[t + p * frameCount];
                frame[c * 3 + 1] = y.Values[t + p * frameCount];
                frame[c * 3 + 2] = visibility.Values[t + p * frameCount];
            }

            frames.Add(frame);
        }

        return new ActionSample(Path.GetFileNameWithoutExtension(path), frames, Labels[classIndex], SkeletonLayouts.Coco17);
    }

    /// <summary>{clip id: class} -> the ids of the validation clips.</summary>
    public static HashSet<string> ValidationIds(IReadOnlyDictionary<string, string> clipClasses)
    {
        var chosen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var group in clipClasses.GroupBy(p => p.Value, StringComparer.Ordinal))
        {
            var clips = group.Select(p => p.Key).OrderBy(Hash, StringComparer.Ordinal).ToList();
            chosen.UnionWith(clips.Take((clips.Count * 2 + 5) / 10));
        }

        return chosen;
    }

    private static string Hash(string clip) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{ValidationSeed}/{clip}")));

    private static MatArray Variable(IReadOnlyDictionary<string, MatArray> mat, string name, string path) =>
        mat.TryGetValue(name, out var v) ? v : throw new InvalidDataException($"'{path}': no variable '{name}'.");
}
