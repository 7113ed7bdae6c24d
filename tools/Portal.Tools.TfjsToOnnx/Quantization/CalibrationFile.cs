using System.Text.Json;

namespace Portal.Tools.TfjsToOnnx.Quantization;

/// <summary>
/// A calibration's result kept as a file: which clips gave how many frames, and each tensor's range. It is what makes
/// the int8 graph reproducible where the calibration clips are not (a container build, a fresh clone without
/// ../shared): written after calibrating, read instead of calibrating. Floats are written in their shortest
/// round-trip form, so a graph quantized from the file is byte for byte the one quantized from the clips.
/// </summary>
internal static class CalibrationFile
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static async Task WriteAsync(string path, Calibrator.Result result, CancellationToken cancellationToken)
    {
        var file = new FileShape(
            "Tensor ranges measured by the int8 calibration (Portal.Tools.TfjsToOnnx --ranges): min and max per tensor, means over the frames.",
            [.. result.Clips.Select(c => new ClipShape(c.Clip, c.Frames))],
            new SortedDictionary<string, float[]>(result.Ranges.ToDictionary(r => r.Key, r => new[] { r.Value.Min, r.Value.Max }), StringComparer.Ordinal));
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        await File.WriteAllTextAsync(path + ".tmp", JsonSerializer.Serialize(file, Json) + "\n", cancellationToken);
        File.Move(path + ".tmp", path, overwrite: true);
    }

    public static async Task<Calibrator.Result> ReadAsync(string path, CancellationToken cancellationToken)
    {
        FileShape? file;
        try
        {
            file = JsonSerializer.Deserialize<FileShape>(await File.ReadAllTextAsync(path, cancellationToken), Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a calibration ranges file ({e.Message})", e);
        }

        if (file?.Ranges is not { Count: > 0 } ranges || file.Clips is null || ranges.Values.Any(r => r is not { Length: 2 } || !(r[0] <= r[1])))
        {
            throw new InvalidDataException($"{path}: a calibration ranges file needs its clips and, for each tensor, [min, max] with min <= max");
        }

        return new Calibrator.Result(
            ranges.ToDictionary(r => r.Key, r => new TensorRange(r.Value[0], r.Value[1]), StringComparer.Ordinal),
            [.. file.Clips.Select(c => (c.Clip, c.Frames))]);
    }

    private sealed record FileShape(string About, List<ClipShape>? Clips, SortedDictionary<string, float[]>? Ranges);

    private sealed record ClipShape(string Clip, int Frames);
}
