using Portal.Evaluation.Actions;
using Portal.Inference.Actions;

namespace Portal.Evaluation.Tests;

public class PennActionDatasetTests
{
    private static string ClipPath(string id) => Path.Combine(RepositoryLayout.SharedData, "skeleton", "penn_action", "train", id + ".mat");

    [Fact]
    public void ReadClip_GivesTheSameCoco17FramesAsThePythonReader()
    {
        var clip = PennActionDataset.ReadClip(ClipPath("0002"));

        // Frame 0 as training/portal_actions/data.py reads it with scipy: nose <- head; COCO's left shoulder <- Penn
        // joint 2 (the person's left, documented as "right"); eyes and ears absent; visibility as score.
        Assert.Equal(("0002", "baseball pitch", SkeletonLayouts.Coco17, 80), (clip.Id, clip.Label, clip.Layout, clip.Frames.Count));
        double[] expected =
        [
            48.0, 52.0, 1.0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 68.0, 72.66666666666666, 0.0, 25.333333333333332,
            80.66666666666666, 1.0, 83.33333333333333, 108.0, 1.0, 36.0, 106.0, 1.0, 81.33333333333333, 81.33333333333333, 1.0,
            64.66666666666666, 81.33333333333333, 1.0, 67.33333333333333, 150.0, 1.0, 36.0, 140.0, 1.0, 67.33333333333333,
            200.0, 1.0, 48.666666666666664, 202.0, 1.0, 69.33333333333333, 247.33333333333331, 1.0, 28.0, 260.0, 1.0,
        ];
        Assert.Equal(expected, clip.Frames[0]);
        Assert.Equal([188.0, 217.33333333333331, 1.0], clip.Frames[79][48..]);
    }

    [Fact]
    public void LoadValidation_DrawsTheSameFifthOfEachClassAsTraining()
    {
        var validation = PennActionDataset.LoadValidation(RepositoryLayout.SharedData);

        // The figures of training/tests/test_data.py: 253 of 1258 clips, 2n/10 rounded half up per class.
        Assert.Equal(253, validation.Count);
        Assert.Equal(["0011", "0021", "0023", "0032", "0038"], validation.Select(c => c.Id).Take(5));
        Assert.Equal(27, validation.Count(c => c.Label == "bowl"));
        Assert.Equal(8, validation.Count(c => c.Label == "jump rope"));
        Assert.Equal(PennActionDataset.Labels.Length, validation.Select(c => c.Label).Distinct().Count());
    }

    [Fact]
    public void MatFile_RefusesAFileThatIsNotAMatFile()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, new string('x', 200));

            var error = Assert.Throws<InvalidDataException>(() => MatFile.Read(path));

            Assert.Contains("not a little-endian MATLAB 5 MAT-file", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
