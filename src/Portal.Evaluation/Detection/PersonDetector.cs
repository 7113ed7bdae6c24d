using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Portal.Inference.Onnx;
using Portal.Inference.Pose;

namespace Portal.Evaluation.Detection;

/// <summary>Options of <see cref="PersonDetector"/>.</summary>
public sealed record PersonDetectorOptions
{
    /// <summary>Side of the square network input; the frame is scaled to fit it and padded right and below.</summary>
    public int InputSize { get; init; } = 320;

    /// <summary>Detections scoring below this are dropped (on basketball_two_people, 0.3 lets through boxes around
    /// parts of a player and background figures, scoring 0.32 to 0.37).</summary>
    public float MinScore { get; init; } = 0.4f;

    /// <summary>Feed channels in BGR order, as mmdet trained RTMDet (false only to check that choice).</summary>
    public bool Bgr { get; init; } = true;

    /// <summary>Most people reported per frame, best first.</summary>
    public int MaxPersons { get; init; } = 6;
}

/// <summary>
/// RTMDet-nano person detector exported by mmdeploy (<c>../shared/data/models/rtmdet-nano_person_end2end.onnx</c>):
/// input <c>input</c> float32 NCHW [N, 3, H, W], outputs <c>dets</c> [N, K, 5] (x1, y1, x2, y2, score in input pixels,
/// after the model's own NMS) and <c>labels</c> [N, K]. The graph starts with a convolution, so the preprocessing of
/// mmdet's RTMDet config is done here: the frame is scaled to fit <see cref="PersonDetectorOptions.InputSize"/> keeping
/// its aspect ratio, placed top-left, padded with grey 114, channels in BGR order, each normalised as
/// (value - mean) / std with mean (103.53, 116.28, 123.675) and std (57.375, 57.12, 58.395) for B, G, R.
/// Boxes come back in source-frame pixels. Not thread-safe.
/// </summary>
public sealed class PersonDetector : IDisposable
{
    private static readonly float[] Mean = [103.53f, 116.28f, 123.675f]; // B, G, R
    private static readonly float[] Std = [57.375f, 57.12f, 58.395f];
    private const float PadValue = 114f;

    private readonly InferenceSession _session;
    private readonly PersonDetectorOptions _options;
    private readonly float[] _input;
    private readonly string[] _inputNames = ["input"];
    private readonly string[] _outputNames = ["dets", "labels"];
    private readonly RunOptions _runOptions = new();

    public PersonDetector(string modelPath, OnnxSessionFactory sessionFactory, PersonDetectorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(sessionFactory);
        _options = options ?? new PersonDetectorOptions();
        _session = sessionFactory.Create(modelPath);
        var inputs = _session.InputMetadata;
        if (!inputs.TryGetValue("input", out var input) || input.ElementDataType != TensorElementType.Float || input.Dimensions.Length != 4 ||
            !_outputNames.All(_session.OutputMetadata.ContainsKey))
        {
            var actual = string.Join(", ", inputs.Select(i => $"{i.Key} {i.Value.ElementDataType} [{string.Join(',', i.Value.Dimensions)}]"));
            _session.Dispose();
            throw new InvalidDataException($"{modelPath}: expected input 'input' Float [N,3,H,W] and outputs dets, labels; found inputs {actual} and outputs {string.Join(", ", _session.OutputMetadata.Keys)}.");
        }

        _input = new float[3 * _options.InputSize * _options.InputSize];
    }

    /// <summary>People in one RGB24 frame, best first, boxes in source pixels.</summary>
    public IReadOnlyList<PersonBox> Detect(ReadOnlySpan<byte> rgb, int width, int height)
    {
        var size = _options.InputSize;
        var scale = Fill(rgb, width, height);
        using var input = OrtValue.CreateTensorValueFromMemory(_input, [1, 3, size, size]);
        using var outputs = _session.Run(_runOptions, _inputNames, [input], _outputNames);
        var dets = outputs[0].GetTensorDataAsSpan<float>();
        var people = new List<PersonBox>();
        for (var i = 0; i + 5 <= dets.Length; i += 5)
        {
            var score = dets[i + 4];
            if (score < _options.MinScore)
            {
                continue;
            }

            people.Add(new PersonBox(
                Math.Clamp(dets[i] / scale, 0, width),
                Math.Clamp(dets[i + 1] / scale, 0, height),
                Math.Clamp(dets[i + 2] / scale, 0, width),
                Math.Clamp(dets[i + 3] / scale, 0, height),
                score));
        }

        people.Sort((a, b) => b.Score.CompareTo(a.Score));
        return people.Count > _options.MaxPersons ? people.GetRange(0, _options.MaxPersons) : people;
    }

    public void Dispose()
    {
        _runOptions.Dispose();
        _session.Dispose();
    }

    // Bilinear, half-pixel centres, into the top-left of the square; returns the scale (input pixels per source pixel).
    private float Fill(ReadOnlySpan<byte> rgb, int width, int height)
    {
        if (rgb.Length < width * height * 3)
        {
            throw new ArgumentException($"Expected {width}x{height} RGB24 ({width * height * 3} bytes), got {rgb.Length}.", nameof(rgb));
        }

        var size = _options.InputSize;
        var scale = (float)size / Math.Max(width, height);
        int scaledWidth = (int)Math.Round(width * scale), scaledHeight = (int)Math.Round(height * scale);
        var plane = size * size;
        for (var y = 0; y < size; y++)
        {
            var sy = Math.Clamp(((y + 0.5f) / scale) - 0.5f, 0, height - 1);
            var y0 = (int)sy;
            var y1 = Math.Min(y0 + 1, height - 1);
            var wy = sy - y0;
            for (var x = 0; x < size; x++)
            {
                var index = (y * size) + x;
                if (y >= scaledHeight || x >= scaledWidth)
                {
                    for (var c = 0; c < 3; c++)
                    {
                        _input[(c * plane) + index] = (PadValue - Mean[c]) / Std[c];
                    }

                    continue;
                }

                var sx = Math.Clamp(((x + 0.5f) / scale) - 0.5f, 0, width - 1);
                var x0 = (int)sx;
                var x1 = Math.Min(x0 + 1, width - 1);
                var wx = sx - x0;
                for (var c = 0; c < 3; c++)
                {
                    var channel = _options.Bgr ? 2 - c : c; // BGR plane c reads RGB channel 2 - c
                    float a = rgb[(((y0 * width) + x0) * 3) + channel], b = rgb[(((y0 * width) + x1) * 3) + channel];
                    float d = rgb[(((y1 * width) + x0) * 3) + channel], e = rgb[(((y1 * width) + x1) * 3) + channel];
                    var top = a + ((b - a) * wx);
                    var bottom = d + ((e - d) * wx);
                    _input[(c * plane) + index] = (top + ((bottom - top) * wy) - Mean[c]) / Std[c];
                }
            }
        }

        return scale;
    }
}
