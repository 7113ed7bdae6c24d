using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Portal.Inference.Onnx;

namespace Portal.Inference.Actions;

/// <summary>One label and its softmax probability.</summary>
public readonly record struct ActionScore(string Label, float Score);

/// <summary>
/// The model's answer for one window. <see cref="FrameAttention"/> [T] sums to 1 over the window's frames;
/// <see cref="JointAttention"/> [T, V] (row-major) sums to 1 over the joints of each frame; their product is the
/// attention-pooling weight the classifier applied to each (frame, joint) feature (docs/models.md).
/// </summary>
public sealed record ActionPrediction(
    IReadOnlyList<ActionScore> TopK,
    float[] Logits,
    float[] FrameAttention,
    float[] JointAttention);

/// <summary>
/// Skeleton action recognition with ONNX Runtime: loads a model card and its ONNX file, checks the model's
/// input/output contract at load, normalizes windows as training did (<see cref="WindowNormalizer"/>) and returns
/// top-k labels with attention. One instance owns one <see cref="InferenceSession"/>; it is safe to call from
/// several threads (ONNX Runtime sessions are).
/// </summary>
public sealed class ActionRecognizer : IDisposable
{
    public const string InputName = "joints";
    public static readonly string[] OutputNames = ["logits", "frame_attention", "joint_attention"];

    private readonly InferenceSession _session;

    public ActionRecognizer(ActionModelCard card, OnnxSessionFactory sessions)
    {
        Card = card;
        _session = sessions.Create(card.ModelPath);
        try
        {
            VerifyContract();
        }
        catch
        {
            _session.Dispose();
            throw;
        }
    }

    public ActionModelCard Card { get; }

    public int WindowFrames => Card.Window.Frames;

    public int Joints => Card.JointCount;

    /// <summary>Floats in one normalized window: T * V * 3.</summary>
    public int WindowSize => WindowFrames * Joints * 3;

    public static ActionRecognizer Load(string cardPath, OnnxSessionFactory sessions) => new(ActionModelCard.Load(cardPath), sessions);

    private void VerifyContract()
    {
        var t = WindowFrames;
        var v = Joints;
        var k = Card.Labels.Count;
        var problems = new List<string>();
        Check(problems, "input", _session.InputMetadata, [(InputName, [-1, t, v, 3])]);
        Check(problems, "output", _session.OutputMetadata,
            [(OutputNames[0], [-1, k]), (OutputNames[1], [-1, t]), (OutputNames[2], [-1, t, v])]);
        if (problems.Count > 0)
        {
            throw new InvalidDataException(
                $"The ONNX model '{Card.ModelPath}' does not match its card '{Card.CardPath}': {string.Join("; ", problems)}.");
        }
    }

    private static void Check(List<string> problems, string kind, IReadOnlyDictionary<string, NodeMetadata> actual,
        (string Name, int[] Shape)[] expected)
    {
        var expectedNames = expected.Select(e => e.Name).ToArray();
        if (!actual.Keys.OrderBy(n => n, StringComparer.Ordinal).SequenceEqual(expectedNames.OrderBy(n => n, StringComparer.Ordinal)))
        {
            problems.Add($"{kind}s expected [{string.Join(", ", expectedNames)}], actual [{string.Join(", ", actual.Keys)}]");
            return;
        }

        foreach (var (name, shape) in expected)
        {
            var meta = actual[name];
            var dims = meta.Dimensions;
            var ok = meta.ElementType == typeof(float) && dims.Length == shape.Length;
            for (var i = 0; ok && i < dims.Length; i++)
            {
                // A dynamic dimension reads as -1; the batch must be dynamic, every other dimension fixed.
                ok = shape[i] == -1 ? dims[i] < 0 : dims[i] == shape[i];
            }

            if (!ok)
            {
                problems.Add($"{kind} '{name}' expected float [{Describe(shape)}], actual {meta.ElementType.Name} [{Describe(dims)}]");
            }
        }
    }

    private static string Describe(int[] dims) => string.Join(", ", dims.Select(d => d < 0 ? "batch" : d.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>Normalizes the frames of one window (each frame V * 3 values in the card's layout).</summary>
    public float[] PrepareWindow(IReadOnlyList<double[]> frames)
    {
        if (frames.Count == 0)
        {
            throw new ArgumentException("a window needs at least one frame", nameof(frames));
        }

        var buffer = new float[WindowSize];
        WindowNormalizer.Prepare(frames, Card.Layout, WindowFrames, buffer);
        return buffer;
    }

    /// <summary>Runs already-normalized windows: <paramref name="input"/> holds batch * T * V * 3 floats.</summary>
    public IReadOnlyList<ActionPrediction> Run(float[] input, int batch, int topK = 5)
    {
        if (input.Length != batch * WindowSize)
        {
            throw new ArgumentException($"expected {batch} x {WindowSize} floats, got {input.Length}", nameof(input));
        }

        var tensor = new DenseTensor<float>(input, [batch, WindowFrames, Joints, 3]);
        using var results = _session.Run([NamedOnnxValue.CreateFromTensor(InputName, tensor)], OutputNames);
        var logits = results[0].AsTensor<float>().ToArray();
        var frameAtt = results[1].AsTensor<float>().ToArray();
        var jointAtt = results[2].AsTensor<float>().ToArray();
        var k = Card.Labels.Count;
        var t = WindowFrames;
        var tv = t * Joints;
        var predictions = new ActionPrediction[batch];
        for (var b = 0; b < batch; b++)
        {
            var l = logits.AsSpan(b * k, k).ToArray();
            predictions[b] = new ActionPrediction(TopK(l, topK), l, frameAtt.AsSpan(b * t, t).ToArray(), jointAtt.AsSpan(b * tv, tv).ToArray());
        }

        return predictions;
    }

    /// <summary>Normalizes and classifies one window of frames.</summary>
    public ActionPrediction Classify(IReadOnlyList<double[]> frames, int topK = 5) => Run(PrepareWindow(frames), 1, topK)[0];

    private List<ActionScore> TopK(float[] logits, int k)
    {
        var max = logits.Max();
        var exp = logits.Select(x => Math.Exp(x - max)).ToArray();
        var sum = exp.Sum();
        return Enumerable.Range(0, logits.Length)
            .OrderByDescending(i => logits[i])
            .Take(Math.Min(k, logits.Length))
            .Select(i => new ActionScore(Card.Labels[i], (float)(exp[i] / sum)))
            .ToList();
    }

    public void Dispose() => _session.Dispose();
}
