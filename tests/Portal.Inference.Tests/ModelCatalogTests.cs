using Portal.Inference.ModelCards;
using Portal.Inference.Tests.Support;

namespace Portal.Inference.Tests;

public class ModelCatalogTests
{
    [Fact]
    public void List_FindsTheThreeConvertedPoseModels_WithTheirCards()
    {
        TestPaths.PoseCard("movenet-lightning");

        var pose = ModelCatalog.List(TestPaths.ModelsRoot).Where(c => c.Task == "pose-estimation").ToList();

        Assert.Equal(["movenet-lightning", "movenet-multipose", "movenet-thunder"], pose.Select(c => c.Name));
        Assert.All(pose, c => Assert.Equal("coco17", c.Layout));
        Assert.All(pose, c => Assert.True(File.Exists(c.ModelPath), c.ModelPath));
        Assert.All(pose, c => Assert.Equal(64, c.Sha256?.Length));
        Assert.Equal([192, 256, 256], pose.Select(c => c.InputSize));
        Assert.Equal(6, pose.Single(c => c.Name == "movenet-multipose").MaxPersons);
    }

    [Fact]
    public void List_SkipsJsonThatIsNotACard_AndSaysWhy()
    {
        using var temp = new TempDirectory();
        Directory.CreateDirectory(Path.Combine(temp.Path, "actions"));
        File.WriteAllText(Path.Combine(temp.Path, "actions", "stgcn.json"), """{"name":"stgcn","version":"2","task":"action-recognition"}""");
        File.WriteAllText(Path.Combine(temp.Path, "notes.json"), """{"hello":"world"}""");
        var skipped = new List<string>();

        var cards = ModelCatalog.List(temp.Path, (path, why) => skipped.Add($"{path}: {why}"));

        var card = Assert.Single(cards);
        Assert.Equal(("stgcn", "2", "action-recognition"), (card.Name, card.Version, card.Task));
        Assert.Contains("\"name\"", Assert.Single(skipped), StringComparison.Ordinal);
    }

    [Fact]
    public void PoseModel_SaysToRunPortalModels_WhenTheModelIsMissing()
    {
        using var temp = new TempDirectory();

        var error = Assert.Throws<FileNotFoundException>(() => ModelCatalog.PoseModel(temp.Path, "movenet-lightning"));

        Assert.Contains("./portal models", error.Message, StringComparison.Ordinal);
    }
}
