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
}

/// <summary>
/// MoveNet pose estimation over raw RGB frames (FFmpeg's rgb24: rows of width x 3 bytes, no padding), with one ONNX
/// Runtime session per model created once. Each frame is letterboxed into the model's square int32 NHWC input
/// (<see cref="Letterbox"/>), the model runs, and its normalised output is decoded to keypoints in source-frame pixels
/// (<see cref="MoveNetDecoder"/>). Single-pose models (Lightning 192, Thunder 256) return one person per frame;
/// MultiPose (256) returns up to six, each with a box. Not thread-safe: the input buffer is reused between calls.
/// </summary>
public sealed class PoseEstimator : IDisposable
{
    private readonly InferenceSession _session;
    private readonly PoseEstimatorOptions _options;
    private readonly int[] _input;
    private readonly OrtValue _inputValue;
    private readonly RunOptions _runOptions = new();
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private Letterbox? _letterbox;

    public PoseEstimator(ModelCard card, OnnxSessionFactory sessionFactory, PoseEstimatorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(card);
        ArgumentNullException.ThrowIfNull(sessionFactory);
        if (card.Task != "pose-estimation" || card.Layout != Coco17.LayoutName)
        {
            throw new InvalidDataException($"'{card.CardPath}' is a {card.Task} model with layout '{card.Layout}', not a coco17 pose model.");
        }

        Card = card;
        _options = options ?? new PoseEstimatorOptions();
        _session = sessionFactory.Create(card.ModelPath);
        try
        {
            InputSize = VerifyInput(card);
            VerifyOutput();
            _inputNames = [_session.InputMetadata.Keys.Single()];
            _outputNames = [_session.OutputMetadata.Keys.Single()];
            _input = new int[InputSize * InputSize * 3];
            _inputValue = OrtValue.CreateTensorValueFromMemory(_input, [1, InputSize, InputSize, 3]);
        }
        catch
        {
            _session.Dispose();
            throw;
        }
    }

    public ModelCard Card { get; }

    /// <summary>Side of the square model input in pixels.</summary>
    public int InputSize { get; }

    /// <summary>True for MultiPose (several people with boxes), false for Lightning and Thunder.</summary>
    public bool IsMultiPose => Card.MaxPersons > 1;

    /// <summary>Opens <c>modelsRoot/pose/NAME.json</c> and its model.</summary>
    public static PoseEstimator Open(string modelsRoot, string name, OnnxSessionFactory sessionFactory, PoseEstimatorOptions? options = null) =>
        new(ModelCatalog.PoseModel(modelsRoot, name), sessionFactory, options);

    /// <summary>
    /// The people in one RGB24 frame of <paramref name="width"/> x <paramref name="height"/> pixels, looking at
    /// <paramref name="region"/> (default: the whole frame, padded to a square).
    /// </summary>
    public IReadOnlyList<PosePerson> Estimate(ReadOnlySpan<byte> rgb, int width, int height, CropRegion? region = null)
    {
        var letterbox = region is { } r ? new Letterbox(width, height, InputSize, r) : LetterboxFor(width, height);
        letterbox.Fill(rgb, _input);
        var output = Run();
        return IsMultiPose
            ? MoveNetDecoder.DecodeMultiPose(output, letterbox, _options.MinPersonScore)
            : [MoveNetDecoder.DecodeSinglePose(output, letterbox, _options.BoxKeypointThreshold)];
    }

    /// <summary>
    /// Several frames of one size. The MoveNet graphs fix the batch at one image (their post-processing unstacks the
    /// batch and reshapes to batch-1 shapes), so this runs the frames one after another through the same session.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<PosePerson>> EstimateBatch(IReadOnlyList<ReadOnlyMemory<byte>> frames, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(frames);
        var results = new IReadOnlyList<PosePerson>[frames.Count];
        for (var i = 0; i < frames.Count; i++)
        {
            results[i] = Estimate(frames[i].Span, width, height);
        }

        return results;
    }

    /// <summary>
    /// Runs the model on an input tensor already in its format (int32 NHWC [1, InputSize, InputSize, 3], 0..255) and
    /// returns the raw output ([1,1,17,3] or [1,6,56], normalised coordinates). Used by the parity tests.
    /// </summary>
    public float[] RunRaw(ReadOnlySpan<int> input)
    {
        if (input.Length != _input.Length)
        {
            throw new ArgumentException($"Expected {_input.Length} values ([1,{InputSize},{InputSize},3]), got {input.Length}.", nameof(input));
        }

        input.CopyTo(_input);
        return Run().ToArray();
    }

    public void Dispose()
    {
        _inputValue.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }

    private ReadOnlySpan<float> Run()
    {
        using var outputs = _session.Run(_runOptions, _inputNames, [_inputValue], _outputNames);
        // The decoders copy what they need, so the span may die with the outputs; copy to keep it simple and safe.
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    private Letterbox LetterboxFor(int width, int height)
    {
        if (_letterbox is null || _letterbox.SourceWidth != width || _letterbox.SourceHeight != height)
        {
            _letterbox = new Letterbox(width, height, InputSize);
        }

        return _letterbox;
    }

    private int VerifyInput(ModelCard card)
    {
        if (_session.InputMetadata.Count != 1)
        {
            throw new InvalidDataException($"{card.ModelPath}: expected one input, found {_session.InputMetadata.Count} ({string.Join(", ", _session.InputMetadata.Keys)}).");
        }

        var (name, input) = _session.InputMetadata.Single();
        var dims = input.Dimensions;
        var size = card.InputSize > 0 ? card.InputSize : dims.Length == 4 ? dims[1] : -1;
        var fits = input.ElementDataType == TensorElementType.Int32 && dims.Length == 4 && dims[3] == 3 &&
                   (dims[0] is 1 or -1) && (dims[1] == size || dims[1] == -1) && (dims[2] == size || dims[2] == -1) && size > 0;
        if (!fits)
        {
            throw new InvalidDataException(
                $"{card.ModelPath}: input '{name}' is {input.ElementDataType} [{string.Join(',', dims)}]; expected Int32 [1,{size},{size},3] (card input size {card.InputSize}).");
        }

        return size;
    }

    private void VerifyOutput()
    {
        if (_session.OutputMetadata.Count != 1)
        {
            throw new InvalidDataException($"{Card.ModelPath}: expected one output, found {_session.OutputMetadata.Count}.");
        }

        var (name, output) = _session.OutputMetadata.Single();
        if (output.ElementDataType != TensorElementType.Float)
        {
            throw new InvalidDataException($"{Card.ModelPath}: output '{name}' is {output.ElementDataType}; expected Float.");
        }
    }
}
