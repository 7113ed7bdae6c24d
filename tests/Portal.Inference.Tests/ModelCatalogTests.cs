using Portal.Inference.ModelCards;

namespace Portal.Inference.Tests;

public class ModelCatalogTests
{
    [Fact]
    public void List_FindsTheConvertedPoseModels_WithTheirCards()
    {
        TestPaths.PoseCard("movenet-lightning");

        var pose = ModelCatalog.List(TestPaths.ModelsRoot).Where(c => c.Task == "pose-estimation").Select(c => PoseModelCard.Load(c.CardPath)).ToList();

        // `./portal models` also writes the int8 MultiPose graph where its calibration clips (../shared) are: listed then.
        var int8 = File.Exists(Path.Combine(TestPaths.ModelsRoot, "pose", "movenet-multipose-int8.card.json"));
        string[] names = int8 ? ["movenet-lightning", "movenet-multipose", "movenet-multipose-int8", "movenet-thunder"] : ["movenet-lightning", "movenet-multipose", "movenet-thunder"];
        int[] sizes = int8 ? [192, 256, 256, 256] : [192, 256, 256];
        Assert.Equal(names, pose.Select(c => c.Name));
        Assert.All(pose, c => Assert.Equal("coco17", c.Layout));
        Assert.All(pose, c => Assert.True(File.Exists(c.ModelPath), c.ModelPath));
        Assert.All(pose, c => Assert.Equal(64, c.Sha256?.Length));
        Assert.Equal(sizes, pose.Select(c => c.InputSize));
        Assert.Equal(6, pose.Single(c => c.Name == "movenet-multipose").MaxPersons);
    }

    [Fact]
    public void List_SkipsACardFileThatIsNotACard_AndSaysWhy_AndIgnoresOtherJson()
    {
        using var temp = new TempDirectory();
        Directory.CreateDirectory(Path.Combine(temp.Path, "actions"));
        File.WriteAllText(Path.Combine(temp.Path, "actions", "stgcn.card.json"), """{"name":"stgcn","version":"2","task":"action-recognition"}""");
        File.WriteAllText(Path.Combine(temp.Path, "notes.card.json"), """{"hello":"world"}""");
        File.WriteAllText(Path.Combine(temp.Path, "actions", "stgcn.parity.json"), """{"shape":[1]}""");
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

    [Fact]
    public void ActionModel_LooksUnderTheGivenModelsRoot_AndNamesTheInstalledOnes_WhenMissing()
    {
        using var temp = new TempDirectory();
        Directory.CreateDirectory(Path.Combine(temp.Path, "actions"));
        var card = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(ActionFixtures.Card(ModelCatalog.DefaultActionModel)))!;
        card["name"] = "elsewhere";
        card["file"] = Path.Combine(ActionFixtures.ModelsFolder, ModelCatalog.DefaultActionModel + ".onnx");
        File.WriteAllText(Path.Combine(temp.Path, "actions", "elsewhere.card.json"), card.ToJsonString());

        var found = ModelCatalog.ActionModel(temp.Path, "elsewhere");
        var missing = Assert.Throws<FileNotFoundException>(() => ModelCatalog.ActionModel(temp.Path, ModelCatalog.DefaultActionModel));

        Assert.Equal(Path.Combine(temp.Path, "actions", "elsewhere.card.json"), found.CardPath);
        Assert.True(File.Exists(found.ModelPath), found.ModelPath);
        Assert.Contains("installed: elsewhere.", missing.Message, StringComparison.Ordinal);
    }
}
