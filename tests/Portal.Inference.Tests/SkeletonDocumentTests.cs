using System.Text;
using System.Text.Json;
using Portal.Inference.Skeletons;

namespace Portal.Inference.Tests;

public class SkeletonDocumentTests
{
    [Fact]
    public async Task WriteAsync_ProducesTheDocumentedFieldNamesAndShapes()
    {
        var keypoints = Enumerable.Range(0, 17).Select(i => new Keypoint(i, i * 2, 0.5f)).ToArray();
        var document = new SkeletonDocument
        {
            Layout = "coco17",
            Fps = 30,
            Width = 576,
            Height = 576,
            Frames = [SkeletonDocument.ToFrame(0, 0, [new PosePerson(new PersonBox(1, 2, 3, 4, 0.9f), keypoints)])],
        };
        using var stream = new MemoryStream();

        await SkeletonDocument.WriteAsync(stream, document);

        using var json = JsonDocument.Parse(stream.ToArray());
        var root = json.RootElement;
        Assert.Equal(["layout", "fps", "width", "height", "frames"], root.EnumerateObject().Select(p => p.Name));
        var frame = root.GetProperty("frames")[0];
        Assert.Equal(["index", "time", "persons"], frame.EnumerateObject().Select(p => p.Name));
        var person = frame.GetProperty("persons")[0];
        Assert.Equal(["trackId", "box", "keypoints"], person.EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.Null, person.GetProperty("trackId").ValueKind);
        Assert.Equal([1f, 2f, 3f, 4f, 0.9f], person.GetProperty("box").EnumerateArray().Select(v => v.GetSingle()));
        Assert.Equal(17, person.GetProperty("keypoints").GetArrayLength());
        Assert.Equal([16f, 32f, 0.5f], person.GetProperty("keypoints")[16].EnumerateArray().Select(v => v.GetSingle()));
    }

    [Fact]
    public async Task ReadAsync_ReadsTheExampleOfTheFormatDocument()
    {
        var keypoints = string.Join(",", Enumerable.Repeat("[10.5,20.25,0.9]", 17));
        var text = $$"""{"layout":"coco17","fps":30.0,"width":576,"height":576,"frames":[{"index":0,"time":0.0,"persons":[{"trackId":null,"box":[1,2,3,4,0.8],"keypoints":[{{keypoints}}]}]}]}""";

        var document = await SkeletonDocument.ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes(text)));

        Assert.Equal(("coco17", 30.0, 576, 576), (document.Layout, document.Fps, document.Width, document.Height));
        var person = Assert.Single(Assert.Single(document.Frames).Persons);
        Assert.Null(person.TrackId);
        Assert.Equal(17, person.Keypoints.Count);
        Assert.Equal([10.5f, 20.25f, 0.9f], person.Keypoints[3]);
    }
}
