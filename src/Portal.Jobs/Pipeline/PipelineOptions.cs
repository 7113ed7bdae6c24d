using Portal.Inference.ModelCards;
using Portal.Inference.Timeline;

namespace Portal.Jobs.Pipeline;

/// <summary>How videos are analysed (configuration section <c>Portal:Pipeline</c>).</summary>
public sealed class PipelineOptions
{
    public const string SectionName = "Portal:Pipeline";

    /// <summary>Directory with the model cards (<c>pose/NAME.card.json</c>, <c>actions/NAME.card.json</c>) and their ONNX files.</summary>
    public string ModelsRoot { get; set; } = "models";

    /// <summary>
    /// Pose model by card name; MultiPose finds every person. Its int8 graph by default: 1.5 to 1.8 times the float
    /// graph's speed on CPU, chosen by a rule declared before its run (docs/benchmarks.md, "Is the int8 graph's effect
    /// on the action labels within what a re-encode does?"); <c>movenet-multipose</c> is the float graph.
    /// </summary>
    public string PoseModel { get; set; } = "movenet-multipose-int8";

    /// <summary>
    /// MultiPose's input: null (the default) as the pose model's card says (<c>input.fit</c>; the shipped cards: a
    /// square), true for an input shaped like the frame as tfjs-models runs MultiPose (38 % fewer pixels on a 16:9
    /// video, its floor 1.35–1.38× faster), false for the square. Not the default because it changed the action
    /// model's top-1 on more windows than a re-encode does (docs/benchmarks.md, "MultiPose's input shaped like the
    /// frame"). A run records its pose model's name and version, not this choice.
    /// </summary>
    public bool? PoseInputFitsFrame { get; set; }

    /// <summary>Action model by card name (under models/actions).</summary>
    public string ActionModel { get; set; } = ModelCatalog.DefaultActionModel;

    /// <summary>Frames per second decoded and posed; people's actions change far slower than video frame rates.</summary>
    public double AnalysisFps { get; set; } = 10;

    /// <summary>Seconds between consecutive action windows of a track; null: the model card's stride.</summary>
    public double? WindowStrideSeconds { get; set; }

    /// <summary>
    /// Frames are decoded scaled so that their longer side is at most this. The default is the proxy's own bound
    /// (<see cref="ProxyMaxSide"/>), so the proxy is decoded at its size and the letterbox samples it straight down to
    /// the model's 256 px, as tfjs-models does from the video: an FFmpeg scale before it (640, until 2026-12-07) cost
    /// more CPU than it saved (60 s of a 768x432 clip at 10 fps: 0.81 against 0.46 CPU s; of a 1280x720 one, 1.25
    /// against 1.09) and, with every core busy running frames in flight, 0.7 s of the 139 s clip's poses stage.
    /// </summary>
    public int DecodeMaxSide { get; set; } = 1280;

    /// <summary>
    /// Decoded frames FFmpeg may run ahead of the pose model (<see cref="Portal.Inference.Frames.FrameReadAhead"/>):
    /// decoding then overlaps inference instead of alternating with it. 0 reads frame by frame (the old sequential
    /// path, kept to compare against). Each frame held costs DecodeMaxSide² x 3 x 9/16 bytes (2.7 MB at 1280, 16:9).
    /// </summary>
    public int DecodeReadAhead { get; set; } = 4;

    /// <summary>The review proxy's longer side is at most this many pixels (never upscaled).</summary>
    public int ProxyMaxSide { get; set; } = 1280;

    /// <summary>Windows classified per ONNX Runtime call.</summary>
    /// <remarks>
    /// ONNX Runtime keeps the memory of its largest call: measured with actions-coco2d, 20 calls add 4 MiB to the
    /// process at 1 window, 12 MiB at 8 and 39 MiB at 32, at about the same time per window. A batch fills only on a
    /// track long enough (33 s for 32 windows), so a large batch made the worker's peak depend on how long people
    /// stay in view.
    /// </remarks>
    public int ActionBatch { get; set; } = 8;

    /// <summary>
    /// A track's windows are classified and written this many at a time: only their frames are decoded, so a person
    /// in view for an hour does not hold the hour's frames and attention in memory (64: a minute at a 1 s stride).
    /// </summary>
    public int ActionChunkWindows { get; set; } = 64;

    /// <summary>Windows below this top probability are "uncertain"; null: the model card's calibrated threshold
    /// (or <see cref="SegmentOptions.DefaultUncertainBelow"/> for a card without one).</summary>
    public float? UncertainBelow { get; set; }
}
