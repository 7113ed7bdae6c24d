using System.Text.Json.Nodes;

namespace Portal.Tools.Tests;

/// <summary>Writes small TensorFlow.js graph models (model.json + one weight shard) for converter tests.</summary>
internal sealed class TfjsModelWriter
{
    private readonly JsonArray _nodes = [];
    private readonly JsonArray _weights = [];
    private readonly MemoryStream _data = new();

    public TfjsModelWriter Placeholder(string name, string dtype, params long[] shape)
    {
        _nodes.Add(new JsonObject
        {
            ["name"] = name,
            ["op"] = "Placeholder",
            ["attr"] = new JsonObject
            {
                ["dtype"] = new JsonObject { ["type"] = dtype },
                ["shape"] = new JsonObject { ["shape"] = new JsonObject { ["dim"] = new JsonArray([.. shape.Select(d => (JsonNode)new JsonObject { ["size"] = d.ToString(System.Globalization.CultureInfo.InvariantCulture) })]) } },
            },
        });
        return this;
    }

    public TfjsModelWriter ConstInt32(string name, int[] shape, params int[] values)
    {
        AddConst(name, "DT_INT32", "int32", shape, null);
        foreach (var v in values)
        {
            _data.Write(BitConverter.GetBytes(v));
        }

        return this;
    }

    public TfjsModelWriter ConstFloat16(string name, int[] shape, params float[] values)
    {
        AddConst(name, "DT_FLOAT", "float32", shape, "float16");
        foreach (var v in values)
        {
            _data.Write(BitConverter.GetBytes((Half)v));
        }

        return this;
    }

    public TfjsModelWriter Node(string name, string op, string[] inputs, JsonObject? attr = null)
    {
        _nodes.Add(new JsonObject
        {
            ["name"] = name,
            ["op"] = op,
            ["input"] = new JsonArray([.. inputs.Select(i => (JsonNode)i)]),
            ["attr"] = attr ?? new JsonObject(),
        });
        return this;
    }

    public static JsonObject Int(long value) => new() { ["i"] = value.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    public static JsonObject Type(string dtype) => new() { ["type"] = dtype };

    public string Write(string directory)
    {
        File.WriteAllBytes(Path.Combine(directory, "model.bin"), _data.ToArray());
        var model = new JsonObject
        {
            ["format"] = "graph-model",
            ["generatedBy"] = "test",
            ["modelTopology"] = new JsonObject { ["node"] = _nodes.DeepClone() },
            ["weightsManifest"] = new JsonArray(new JsonObject { ["paths"] = new JsonArray("model.bin"), ["weights"] = _weights.DeepClone() }),
        };
        var path = Path.Combine(directory, "model.json");
        File.WriteAllText(path, model.ToJsonString());
        return path;
    }

    private void AddConst(string name, string tfType, string dtype, int[] shape, string? quantized)
    {
        _nodes.Add(new JsonObject { ["name"] = name, ["op"] = "Const", ["attr"] = new JsonObject { ["dtype"] = Type(tfType) } });
        var weight = new JsonObject { ["name"] = name, ["shape"] = new JsonArray([.. shape.Select(d => (JsonNode)d)]), ["dtype"] = dtype };
        if (quantized is not null)
        {
            weight["quantization"] = new JsonObject { ["dtype"] = quantized, ["original_dtype"] = "float32" };
        }

        _weights.Add(weight);
    }
}
