using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Portal.Inference.ModelCards;
using Portal.Inference.Onnx;

namespace Portal.Inference.Pose;

/// <summary>Options of <see cref="PoseEstimator"/>.</summary>
public sealed record PoseEstimatorOptions
{
    /// <summary>MultiPose only: people whose box score is below this are dropped (tfjs-models uses 0.25).</summary>
    public float MinPersonScore { get; init; } = 0.25f;

    /// <summary>Single pose only: keypoints scoring at least this span the person's box.</summary>
    public float BoxKeypointThreshold { get; init; } = 0.2f;

    /// <summary>Most frames per inference call when the model takes batches (single-pose heads models).</summary>
    public int MaxBatch { get; init; } = 8;

    /// <summary>Single pose only: run the complete converted graph (batch 1) even when the card offers the batchable
    /// heads model. Both give the same keypoints; the parity tests check each against TensorFlow.js.</summary>
    public bool UseFullGraph { get; init; }

    /// <summary>
    /// MultiPose only: shape the model input like the frame (<see cref="Letterbox.FitFrame"/>: the longer side at the
    /// card's size, the shorter rounded up to a multiple of 32), as tfjs-models runs MultiPose, instead of padding every
    /// frame to the card's square. A 16:9 frame then costs 256x160 pixels of network instead of 256x256. Needs a graph
    /// whose input height and width are free (MultiPose's are). Null: as the card says (<c>input.fit</c>).
    /// </summary>
    public bool? FitInputToFrame { get; init; }
}

/// <summary>
/// Time spent in each step of <see cref="PoseEstimator.Estimate"/>, summed over the calls since the estimator was
/// created, in <see cref="Stopwatch"/> ticks. Estimators are pooled, so a caller that wants its own calls' times
/// subtracts the value it read before them.
/// </summary>
public readonly record struct PoseEstimatorTimes(long Preprocess, long Inference, long Decode)
{
    public static PoseEstimatorTimes operator -(PoseEstimatorTimes a, PoseEstimatorTimes b) =>
        new(a.Preprocess - b.Preprocess, a.Inference - b.Inference, a.Decode - b.Decode);
}

/// <summary>
/// MoveNet pose estimation over raw RGB frames (FFmpeg's rgb24: rows of width x 3 bytes, no padding), with one ONNX
/// Runtime session per model created once. Each frame is letterboxed into the model's int32 NHWC input, a square
/// or, for MultiPose with <see cref="PoseEstimatorOptions.FitInputToFrame"/>, a rectangle shaped like the frame
/// (<see cref="Letterbox"/>), the model runs, and its output, normalised to the input, is decoded to keypoints
/// in source-frame pixels (<see cref="MoveNetDecoder"/>). Single-pose models (Lightning 192, Thunder 256) return one
/// person per frame and run batched through their heads model when the card lists one (decoding in
/// <see cref="SinglePoseHeadsDecoder"/>); MultiPose (256) returns up to six people with boxes, one frame per call (its
/// graph fixes the batch at one). Not thread-safe: input and output buffers are reused between calls.
/// </summary>
public sealed class PoseEstimator : IDisposable
{
    private readonly InferenceSession _session;
    private readonly PoseEstimatorOptions _options;
    private readonly PoseHeads? _heads;
    private readonly int[] _input;
    private readonly int _frameValues;
    private readonly bool _fitInputToFrame;
    private readonly int _grid;
    private readonly RunOptions _runOptions = new();
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private Letterbox? _letterbox;
    private PoseEstimatorTimes _times;

    public PoseEstimator(PoseModelCard card, OnnxSessionFactory sessionFactory, PoseEstimatorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(card);
        ArgumentNullException.ThrowIfNull(sessionFactory);
        if (card.Task != "pose-estimation" || card.Layout != Coco17.LayoutName)
        {
            throw new InvalidDataException($"'{card.CardPath}' is a {card.Task} model with layout '{card.Layout}', not a coco17 pose model.");
        }

        Card = card;
        _options = options ?? new PoseEstimatorOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_options.MaxBatch);
        _heads = card.MaxPersons == 1 && !_options.UseFullGraph ? card.Heads : null;
        ModelPath = _heads is null ? card.ModelPath : Path.Combine(Path.GetDirectoryName(card.CardPath)!, _heads.File);
        _session = sessionFactory.Create(ModelPath);
        try
        {
            InputSize = VerifyInput(card);
            _grid = InputSize / 4;
            _outputNames = VerifyOutputs();
            _inputNames = [_session.InputMetadata.Keys.Single()];
            MaxBatch = _heads is null ? 1 : _options.MaxBatch;
            _frameValues = InputSize * InputSize * 3;
            _input = new int[_frameValues * MaxBatch];
            _fitInputToFrame = (_options.FitInputToFrame ?? card.InputFitsFrame) && VerifyFreeInputShape();
        }
        catch
        {
            _session.Dispose();
            throw;
        }
    }

    public PoseModelCard Card { get; }

    /// <summary>The ONNX file the session runs (the card's model, or its heads model).</summary>
    public string ModelPath { get; }

    /// <summary>Side of the square model input in pixels (with <see cref="PoseEstimatorOptions.FitInputToFrame"/>, the
    /// input's longer side).</summary>
    public int InputSize { get; }

    /// <summary>Frames per inference call: <see cref="PoseEstimatorOptions.MaxBatch"/> with a heads model, else 1.</summary>
    public int MaxBatch { get; }

    /// <summary>The model input (width, height) a whole frame of <paramref name="width"/> x <paramref name="height"/> is run at.</summary>
    public (int Width, int Height) InputShapeFor(int width, int height)
    {
        var letterbox = LetterboxFor(width, height);
        return (letterbox.Width, letterbox.Height);
    }

    /// <summary>True for MultiPose (several people with boxes), false for Lightning and Thunder.</summary>
    public bool IsMultiPose => Card.MaxPersons > 1;

    /// <summary>Time spent letterboxing, running the model and decoding keypoints in <see cref="Estimate"/> so far.</summary>
    /// <remarks>Three <see cref="Stopwatch.GetTimestamp"/> calls per frame: nothing next to a millisecond of inference.</remarks>
    public PoseEstimatorTimes Times => _times;

    /// <summary>Opens <c>modelsRoot/pose/NAME.json</c> and its model.</summary>
    public static PoseEstimator Open(string modelsRoot, string name, OnnxSessionFactory sessionFactory, PoseEstimatorOptions? options = null) =>
        new(ModelCatalog.PoseModel(modelsRoot, name), sessionFactory, options);

    /// <summary>
    /// The people in one RGB24 frame of <paramref name="width"/> x <paramref name="height"/> pixels, looking at
    /// <paramref name="region"/> (default: the whole frame, padded to a square).
    /// </summary>
    public IReadOnlyList<PosePerson> Estimate(ReadOnlySpan<byte> rgb, int width, int height, CropRegion? region = null)
    {
        var start = Stopwatch.GetTimestamp();
        var letterbox = region is { } r ? new Letterbox(width, height, InputSize, r) : LetterboxFor(width, height);
        letterbox.Fill(rgb, _input.AsSpan(0, letterbox.Width * letterbox.Height * 3));
        var filled = Stopwatch.GetTimestamp();
        var output = RunInputs(1, letterbox.Height, letterbox.Width)[0];
        var ran = Stopwatch.GetTimestamp();
        var people = Decode(output, letterbox);
        var decoded = Stopwatch.GetTimestamp();
        _times = new PoseEstimatorTimes(_times.Preprocess + (filled - start), _times.Inference + (ran - filled), _times.Decode + (decoded - ran));
        return people;
    }

    /// <summary>
    /// Several whole frames of one size, in groups of <see cref="MaxBatch"/> per inference call; the result has one
    /// list of people per frame, in order.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<PosePerson>> EstimateBatch(IReadOnlyList<ReadOnlyMemory<byte>> frames, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(frames);
        var letterbox = LetterboxFor(width, height);
        var frameValues = letterbox.Width * letterbox.Height * 3;
        var results = new IReadOnlyList<PosePerson>[frames.Count];
        for (var start = 0; start < frames.Count; start += MaxBatch)
        {
            var count = Math.Min(MaxBatch, frames.Count - start);
            for (var i = 0; i < count; i++)
            {
                letterbox.Fill(frames[start + i].Span, _input.AsSpan(i * frameValues, frameValues));
            }

            var outputs = RunInputs(count, letterbox.Height, letterbox.Width);
            for (var i = 0; i < count; i++)
            {
                results[start + i] = Decode(outputs[i], letterbox);
            }
        }

        return results;
    }

    /// <summary>
    /// Runs the model on input tensors already in its format (each int32 NHWC [InputSize, InputSize, 3], 0..255) and
    /// returns, per input, the full graph's output layout ([1,1,17,3] or [1,6,56] flattened, normalised
    /// coordinates), decoding the heads in C# where a heads model runs. Used by the parity tests.
    /// </summary>
    public IReadOnlyList<float[]> RunRaw(IReadOnlyList<int[]> inputs) => RunRaw(inputs, InputSize, InputSize);

    /// <summary><see cref="RunRaw(IReadOnlyList{int[]})"/> for inputs of <paramref name="height"/> x
    /// <paramref name="width"/>, no larger than the card's square (a graph whose input shape is free).</summary>
    public IReadOnlyList<float[]> RunRaw(IReadOnlyList<int[]> inputs, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var frameValues = height * width * 3;
        // The heads' C# decoding assumes the square's grid (InputSize / 4), so a heads model takes only the square.
        if (height <= 0 || width <= 0 || frameValues > _frameValues || (_heads is not null && (height != InputSize || width != InputSize)))
        {
            throw new ArgumentOutOfRangeException(nameof(height), $"An input of {height}x{width} does not fit this model's {InputSize}x{InputSize} input.");
        }

        var results = new List<float[]>();
        for (var start = 0; start < inputs.Count; start += MaxBatch)
        {
            var count = Math.Min(MaxBatch, inputs.Count - start);
            for (var i = 0; i < count; i++)
            {
                if (inputs[start + i].Length != frameValues)
                {
                    throw new ArgumentException($"Expected {frameValues} values ([{height},{width},3]), got {inputs[start + i].Length}.", nameof(inputs));
                }

                inputs[start + i].CopyTo(_input, i * frameValues);
            }

            results.AddRange(RunInputs(count, height, width));
        }

        return results;
    }

    public void Dispose()
    {
        _runOptions.Dispose();
        _session.Dispose();
    }

    private IReadOnlyList<PosePerson> Decode(float[] output, Letterbox letterbox) =>
        IsMultiPose
            ? MoveNetDecoder.DecodeMultiPose(output, letterbox, _options.MinPersonScore)
            : [MoveNetDecoder.DecodeSinglePose(output, letterbox, _options.BoxKeypointThreshold)];

    // Runs the first `count` frames of _input; returns each frame's output in the full graph's layout.
    private float[][] RunInputs(int count, int height, int width)
    {
        using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _input.AsMemory(0, count * height * width * 3), [count, height, width, 3]);
        using var outputs = _session.Run(_runOptions, _inputNames, [input], _outputNames);
        var results = new float[count][];
        if (_heads is null)
        {
            results[0] = outputs[0].GetTensorDataAsSpan<float>().ToArray();
            return results;
        }

        var cells = _grid * _grid;
        var heatmap = outputs[0].GetTensorDataAsSpan<float>();
        var center = outputs[1].GetTensorDataAsSpan<float>();
        var regress = outputs[2].GetTensorDataAsSpan<float>();
        var offset = outputs[3].GetTensorDataAsSpan<float>();
        for (var i = 0; i < count; i++)
        {
            results[i] = new float[Coco17.Count * 3];
            SinglePoseHeadsDecoder.Decode(
                heatmap.Slice(i * cells * Coco17.Count, cells * Coco17.Count),
                center.Slice(i * cells, cells),
                regress.Slice(i * cells * 2 * Coco17.Count, cells * 2 * Coco17.Count),
                offset.Slice(i * cells * 2 * Coco17.Count, cells * 2 * Coco17.Count),
                _grid,
                _heads.DistanceBias,
                _heads.ScaleY,
                _heads.ScaleX,
                results[i]);
        }

        return results;
    }

    private Letterbox LetterboxFor(int width, int height)
    {
        if (_letterbox is null || _letterbox.SourceWidth != width || _letterbox.SourceHeight != height)
        {
            _letterbox = _fitInputToFrame ? Letterbox.FitFrame(width, height, InputSize) : new Letterbox(width, height, InputSize);
        }

        return _letterbox;
    }

    private int VerifyInput(PoseModelCard card)
    {
        if (_session.InputMetadata.Count != 1)
        {
            throw new InvalidDataException($"{ModelPath}: expected one input, found {_session.InputMetadata.Count} ({string.Join(", ", _session.InputMetadata.Keys)}).");
        }

        var (name, input) = _session.InputMetadata.Single();
        var dims = input.Dimensions;
        var size = card.InputSize > 0 ? card.InputSize : dims.Length == 4 ? dims[1] : -1;
        var batchFits = _heads is null ? dims.Length > 0 && dims[0] is 1 or -1 : dims.Length > 0 && dims[0] == -1;
        var fits = input.ElementDataType == TensorElementType.Int32 && dims.Length == 4 && dims[3] == 3 && batchFits &&
                   (dims[1] == size || dims[1] == -1) && (dims[2] == size || dims[2] == -1) && size > 0;
        if (!fits)
        {
            var batch = _heads is null ? "1" : "N";
            throw new InvalidDataException(
                $"{ModelPath}: input '{name}' is {input.ElementDataType} [{string.Join(',', dims)}]; expected Int32 [{batch},{size},{size},3] (card input size {card.InputSize}).");
        }

        return size;
    }

    // FitInputToFrame needs MultiPose (one frame a call, no heads model) and an input whose height and width are free.
    private bool VerifyFreeInputShape()
    {
        var dims = _session.InputMetadata.Single().Value.Dimensions;
        if (!IsMultiPose || _heads is not null || dims[1] != -1 || dims[2] != -1)
        {
            throw new InvalidDataException($"{ModelPath}: an input shaped like the frame needs a MultiPose graph whose input height and width are free; this one is [{string.Join(',', dims)}].");
        }

        return true;
    }

    private string[] VerifyOutputs()
    {
        string[] expected = _heads is null ? [_session.OutputMetadata.Keys.FirstOrDefault() ?? "output"] : ["heatmap", "center", "regress", "offset"];
        var actual = _session.OutputMetadata.Keys.ToArray();
        if ((_heads is null && actual.Length != 1) || (_heads is not null && !expected.All(actual.Contains)))
        {
            throw new InvalidDataException($"{ModelPath}: outputs are [{string.Join(", ", actual)}]; expected [{string.Join(", ", expected)}].");
        }

        foreach (var name in expected)
        {
            if (_session.OutputMetadata[name].ElementDataType != TensorElementType.Float)
            {
                throw new InvalidDataException($"{ModelPath}: output '{name}' is {_session.OutputMetadata[name].ElementDataType}; expected Float.");
            }
        }

        return expected;
    }
}
