using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Portal.Inference.Frames;
using Portal.Inference.Pose;
using Portal.Tools.TfjsToOnnx.Onnx;

namespace Portal.Tools.TfjsToOnnx.Quantization;

/// <summary>
/// Measures the range of each tensor the quantizer needs by running the float graph in ONNX Runtime with those
/// tensors added as graph outputs, over frames decoded from calibration clips and letterboxed as the pose estimator
/// does (<see cref="Letterbox"/>, int32 NHWC 0..255). A tensor's range is the mean over the frames of each frame's
/// minimum and maximum (ONNX Runtime's own calibrator offers the same as "moving average"): on tfjs_pose_1 it gave a
/// mean keypoint error 0.64 px above the float graph's, against 0.91 px with the absolute minimum and maximum, whose
/// rare outliers widen the uint8 steps of every other frame.
/// </summary>
internal static class Calibrator
{
    /// <summary>Frames taken from each clip, spread evenly over its duration.</summary>
    public const int FramesPerClip = 16;

    public sealed record Result(IReadOnlyDictionary<string, TensorRange> Ranges, IReadOnlyList<(string Clip, int Frames)> Clips);

    public static async Task<Result> RunAsync(ConvertedGraph converted, int inputSize, IReadOnlyList<string> clips, CancellationToken cancellationToken)
    {
        var tensors = QdqQuantizer.CalibrationTensors(converted.Graph);
        var graph = converted.Graph;
        var outputCount = graph.Outputs.Count;
        graph.Outputs.AddRange(tensors.Select(t => new OnnxValueInfo(t, OnnxType.Float, null, null)));
        byte[] bytes;
        try
        {
            bytes = graph.ToModelProto(TfjsToOnnxConverter.Opset, "Portal.Tools.TfjsToOnnx", new Dictionary<string, string>());
        }
        finally
        {
            graph.Outputs.RemoveRange(outputCount, graph.Outputs.Count - outputCount);
        }

        using var session = new InferenceSession(bytes);
        using var runOptions = new RunOptions();
        var minSums = new double[tensors.Count];
        var maxSums = new double[tensors.Count];
        var input = new int[inputSize * inputSize * 3];
        var used = new List<(string Clip, int Frames)>();
        foreach (var clip in clips)
        {
            var info = await FfmpegProbe.ProbeAsync(clip, cancellationToken);
            var duration = info.DurationSeconds is > 0 and var d ? d : 10; // an animated GIF may not say
            var frames = 0;
            Letterbox? letterbox = null;
            var options = new FrameReaderOptions { Fps = FramesPerClip / duration };
            await foreach (var frame in FfmpegFrameReader.ReadAsync(clip, options, cancellationToken))
            {
                if (frames == FramesPerClip)
                {
                    break;
                }

                letterbox ??= new Letterbox(frame.Width, frame.Height, inputSize);
                letterbox.Fill(frame.Rgb.Span, input);
                using var inputTensor = OrtValue.CreateTensorValueFromMemory(input, [1, inputSize, inputSize, 3]);
                using var results = session.Run(runOptions, [converted.InputName], [inputTensor], tensors);
                for (var i = 0; i < tensors.Count; i++)
                {
                    var values = results[i].GetTensorDataAsSpan<float>();
                    var (min, max) = (float.PositiveInfinity, float.NegativeInfinity);
                    foreach (var v in values)
                    {
                        min = Math.Min(min, v);
                        max = Math.Max(max, v);
                    }

                    minSums[i] += min;
                    maxSums[i] += max;
                }

                frames++;
            }

            used.Add((Path.GetFileName(clip), frames));
        }

        var total = used.Sum(u => u.Frames);
        if (total == 0)
        {
            throw new InvalidDataException("no calibration frame could be decoded from the clips given");
        }

        var ranges = tensors.Select((t, i) => (t, new TensorRange((float)(minSums[i] / total), (float)(maxSums[i] / total))))
            .ToDictionary(p => p.t, p => p.Item2, StringComparer.Ordinal);
        return new Result(ranges, used);
    }
}
