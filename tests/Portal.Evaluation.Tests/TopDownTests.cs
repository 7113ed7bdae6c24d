using Portal.Evaluation.Detection;
using Portal.Inference.Frames;
using Portal.Inference.ModelCards;
using Portal.Inference.Onnx;
using Portal.Inference.Pose;
using Portal.TestSupport;
using Xunit.Abstractions;

namespace Portal.Evaluation.Tests;

public class TopDownTests(ITestOutputHelper output)
{
    private static string DetectorPath => Path.Combine(TestPaths.SharedData, "models", "rtmdet-nano_person_end2end.onnx");

    private static OnnxSessionFactory Cpu() => new(new InferenceOptions());

    [Fact]
    public async Task Detector_FindsTheOnePerson_AroundMoveNetsKeypoints()
    {
        using var detector = new PersonDetector(DetectorPath, Cpu());
        using var lightning = new PoseEstimator(PoseModelCard.Load(TestPaths.PoseCard("movenet-lightning")), Cpu());
        var frames = 0;

        await foreach (var frame in FfmpegFrameReader.ReadAsync(TestPaths.Video("tfjs_pose_1.mp4"), new FrameReaderOptions { Fps = 3 }))
        {
            var box = Assert.Single(detector.Detect(frame.Rgb.Span, frame.Width, frame.Height));
            var pose = lightning.Estimate(frame.Rgb.Span, frame.Width, frame.Height)[0];
            output.WriteLine($"frame {frame.Index}: box {box}, nose {pose.Keypoints[0]}");
            Assert.True(box.Score > 0.5f, $"score {box.Score}");
            foreach (var k in pose.Keypoints.Where(k => k.Score > 0.3f))
            {
                Assert.InRange(k.X, box.X1 - 20, box.X2 + 20);
                Assert.InRange(k.Y, box.Y1 - 20, box.Y2 + 20);
            }

            frames++;
        }

        Assert.True(frames >= 10);
    }

    [Fact]
    public async Task TopDown_FindsBothPlayers_InMostFramesOfTheTwoPlayerClip()
    {
        using var detector = new PersonDetector(DetectorPath, Cpu());
        using var thunder = new PoseEstimator(PoseModelCard.Load(TestPaths.PoseCard("movenet-thunder")), Cpu());
        var topDown = new TopDownPoseEstimator(detector, thunder);
        int frames = 0, withTwo = 0;

        await foreach (var frame in FfmpegFrameReader.ReadAsync(TestPaths.Video("basketball_two_people.mp4"), new FrameReaderOptions { Fps = 2 }))
        {
            var people = topDown.Estimate(frame.Rgb.Span, frame.Width, frame.Height);
            frames++;
            withTwo += people.Count == 2 ? 1 : 0;
            output.WriteLine($"frame {frame.Index}: person scores {string.Join(", ", people.Select(p => p.Box!.Value.Score.ToString("F2")))}");
            foreach (var person in people)
            {
                var box = person.Box!.Value;
                var confident = person.Keypoints.Where(k => k.Score > 0.3f).ToList();
                if (confident.Count < 5)
                {
                    continue; // a person mostly out of view or hidden: too few keypoints to judge
                }

                var inside = confident.Count(k => k.X >= box.X1 - 10 && k.X <= box.X2 + 10 && k.Y >= box.Y1 - 10 && k.Y <= box.Y2 + 10);
                Assert.True(inside >= confident.Count * 0.8, $"frame {frame.Index}: only {inside} of {confident.Count} confident keypoints in the box");
            }
        }

        output.WriteLine($"top-down on basketball_two_people at 2 fps: {withTwo} of {frames} frames with two people");
        Assert.True(withTwo >= frames * 0.6, $"two people in only {withTwo} of {frames} frames");
    }

    [Fact]
    public async Task Detector_ScoresHigher_WithBgrInput_AsTheModelWasTrained()
    {
        using var bgr = new PersonDetector(DetectorPath, Cpu());
        using var rgb = new PersonDetector(DetectorPath, Cpu(), new PersonDetectorOptions { Bgr = false, MinScore = 0.01f });
        double bgrScore = 0, rgbScore = 0;

        await foreach (var frame in FfmpegFrameReader.ReadAsync(TestPaths.Video("basketball_two_people.mp4"), new FrameReaderOptions { Fps = 1 }))
        {
            bgrScore += bgr.Detect(frame.Rgb.Span, frame.Width, frame.Height).Take(2).Sum(b => b.Score);
            rgbScore += rgb.Detect(frame.Rgb.Span, frame.Width, frame.Height).Take(2).Sum(b => b.Score);
        }

        output.WriteLine($"summed top-2 scores over 10 frames: BGR {bgrScore:F2}, RGB {rgbScore:F2}");
        Assert.True(bgrScore > rgbScore, $"BGR {bgrScore} <= RGB {rgbScore}");
    }

    [Fact]
    public void RegionAround_IsASquareCentredOnTheBox_AQuarterLargerThanItsLongerSide()
    {
        var region = TopDownPoseEstimator.RegionAround(new PersonBox(100, 50, 140, 250, 0.9f));

        Assert.Equal(250, region.Side, 3);
        Assert.Equal(120 - 125, region.OriginX, 3);
        Assert.Equal(150 - 125, region.OriginY, 3);
    }
}
