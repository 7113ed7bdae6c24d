using Portal.Tools.TfjsToOnnx;
using Portal.Tools.TfjsToOnnx.Tfjs;

// tfjs-to-onnx MODEL.json OUT.onnx: converts a TensorFlow.js graph model to ONNX and prints the interface it wrote.
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: Portal.Tools.TfjsToOnnx MODEL.json OUT.onnx");
    return 2;
}

try
{
    var model = TfjsGraphModel.Load(args[0]);
    var converted = TfjsToOnnxConverter.Convert(model);
    var metadata = new Dictionary<string, string>
    {
        ["converted_from"] = Path.GetFileName(args[0]),
        ["generated_by"] = model.GeneratedBy ?? "",
        ["converter"] = "Portal.Tools.TfjsToOnnx",
    };
    var bytes = converted.Graph.ToModelProto(TfjsToOnnxConverter.Opset, "Portal.Tools.TfjsToOnnx", metadata);
    var temporary = args[1] + ".tmp";
    await File.WriteAllBytesAsync(temporary, bytes);
    File.Move(temporary, args[1], overwrite: true);
    Console.WriteLine($"{args[1]}: opset {TfjsToOnnxConverter.Opset}, {converted.Graph.Nodes.Count} nodes, input '{converted.InputName}' int32 [{string.Join(',', converted.InputShape)}], output '{converted.OutputName}'");
    return 0;
}
catch (Exception e) when (e is UnsupportedOpException or InvalidDataException or NotSupportedException or IOException)
{
    Console.Error.WriteLine($"tfjs-to-onnx: {e.Message}");
    return 1;
}
