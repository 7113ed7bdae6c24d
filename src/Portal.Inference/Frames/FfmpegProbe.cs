using System.Globalization;
using System.Text.Json;

namespace Portal.Inference.Frames;

/// <summary>
/// What ffprobe reports about a file and its first video stream. <see cref="Width"/> and <see cref="Height"/> are the
/// display size (rotation applied, as ffmpeg's autorotate delivers the frames); <see cref="CodedWidth"/> and
/// <see cref="CodedHeight"/> the stored picture's.
/// </summary>
public sealed record VideoInfo
{
    public required int Width { get; init; }

    public required int Height { get; init; }

    /// <summary>Frames per second: the average rate, else the stream's base rate; 0 when neither is known.</summary>
    public required double Fps { get; init; }

    /// <summary>The stream's frame count as the container states it (nb_frames); null when it does not.</summary>
    public int? FrameCount { get; init; }

    /// <summary>The file's duration in seconds (the container's, else the video stream's); null when neither says.</summary>
    public double? DurationSeconds { get; init; }

    /// <summary>The degrees the picture is turned for display as ffprobe reports them, 0..359 (90 and 270 swap the sides).</summary>
    public int Rotation { get; init; }

    public int CodedWidth { get; init; }

    public int CodedHeight { get; init; }

    /// <summary>ffprobe's format_name, e.g. "mov,mp4,m4a,3gp,3g2,mj2".</summary>
    public string FormatName { get; init; } = "";

    /// <summary>The video codec (codec_name), "unknown" when ffprobe gives none.</summary>
    public string Codec { get; init; } = "unknown";

    public string? Profile { get; init; }

    public string? PixelFormat { get; init; }

    /// <summary>The video stream's bit rate in bits per second, when stated.</summary>
    public long? BitRate { get; init; }

    /// <summary>The base rate equals the average rate: every frame lasts the same.</summary>
    public bool ConstantFrameRate { get; init; }

    public int VideoStreamCount { get; init; }

    public int AudioStreamCount { get; init; }

    /// <summary>Every stream of the file: video, audio, subtitles, data, attachments.</summary>
    public int StreamCount { get; init; }
}

/// <summary>
/// The one place that runs ffprobe: <see cref="ProbeAsync"/> for a file's facts, <see cref="KeyPicturesAtMostApartAsync"/>
/// for its key-picture spacing. Every call passes <see cref="UntrustedInput"/>'s allowlists.
/// </summary>
public static class FfmpegProbe
{
    /// <summary>
    /// Probes <paramref name="path"/>. Throws <see cref="FileNotFoundException"/> for a missing file and
    /// <see cref="FfmpegException"/> (with its <see cref="FfmpegFailure"/>) for one that is not a readable video.
    /// </summary>
    public static async Task<VideoInfo> ProbeAsync(string path, CancellationToken cancellationToken = default)
    {
        var file = new FileInfo(path);
        if (!file.Exists)
        {
            throw new FileNotFoundException($"Video not found: '{path}'.", path);
        }

        if (file.Length == 0)
        {
            throw new FfmpegException($"'{path}' is empty (0 bytes).", FfmpegFailure.Empty);
        }

        var (exitCode, stdout, stderr) = await FfmpegProcess.RunToEndAsync(FfmpegProcess.Ffprobe,
            ["-v", "error", .. UntrustedInput.Arguments, "-show_format", "-show_streams", "-of", "json", path], cancellationToken);
        if (exitCode != 0)
        {
            if (UntrustedInput.RefusedFormat(stderr) is { } format)
            {
                throw new FfmpegException(
                    $"'{path}' is a {format} file, a format that makes FFmpeg open other files or addresses (a playlist or a list of files), which Portal does not open.",
                    FfmpegFailure.RefusedFormat, FfmpegProcess.LastLines(stderr));
            }

            throw new FfmpegException($"ffprobe could not read '{path}': {FfmpegProcess.LastLines(stderr)}", FfmpegFailure.Unreadable, stderr);
        }

        using var json = JsonDocument.Parse(stdout);
        return Read(json.RootElement, path);
    }

    /// <summary>
    /// Whether the video stream has a key picture at its start and then at least every <paramref name="maxSeconds"/>.
    /// Reads only the packets' times and flags (no decoding) and stops at the first gap that is too long.
    /// </summary>
    public static async Task<bool> KeyPicturesAtMostApartAsync(string path, double maxSeconds, CancellationToken cancellationToken)
    {
        using var process = FfmpegProcess.Start(FfmpegProcess.Ffprobe,
            ["-v", "error", .. UntrustedInput.Arguments, "-select_streams", "v:0", "-show_entries", "packet=pts_time,flags", "-of", "csv=p=0", path],
            cancellationToken);
        double? lastKey = null, last = null;
        while (await process.OutputText.ReadLineAsync(cancellationToken) is { } line)
        {
            var fields = line.Split(',');
            if (fields.Length < 2 || !double.TryParse(fields[0], CultureInfo.InvariantCulture, out var time))
            {
                continue; // "N/A" times or a blank line
            }

            if (fields[1].StartsWith('K'))
            {
                lastKey = time;
            }

            if (lastKey is null || time - lastKey > maxSeconds)
            {
                return false; // disposing kills ffprobe
            }

            last = time;
        }

        await process.WaitForExitAsync(cancellationToken);
        return process.ExitCode == 0 && last is not null;
    }

    private static int NormalizeRotation(int degrees) => ((degrees % 360) + 360) % 360;

    private static VideoInfo Read(JsonElement root, string path)
    {
        var streams = root.TryGetProperty("streams", out var s) && s.ValueKind == JsonValueKind.Array ? s.EnumerateArray().ToList() : [];
        var videos = streams.Where(x => Text(x, "codec_type") == "video").ToList();
        var audios = streams.Count(x => Text(x, "codec_type") == "audio");
        if (videos.Count == 0)
        {
            throw new FfmpegException(audios > 0 ? $"'{path}' holds only audio, no video stream." : $"'{path}' has no video stream.", FfmpegFailure.NoVideo)
            {
                AudioOnly = audios > 0,
            };
        }

        var video = videos[0];
        var codedWidth = Int(video, "width") ?? 0;
        var codedHeight = Int(video, "height") ?? 0;
        if (codedWidth <= 0 || codedHeight <= 0)
        {
            throw new FfmpegException($"'{path}' reports an invalid frame size {codedWidth}x{codedHeight}.", FfmpegFailure.NoPictureSize);
        }

        var rotation = NormalizeRotation(RotationOf(video));
        var (width, height) = rotation % 180 == 90 ? (codedHeight, codedWidth) : (codedWidth, codedHeight);
        var average = Rate(video, "avg_frame_rate");
        var fps = average is > 0 and < 1000 ? average.Value : Rate(video, "r_frame_rate") ?? 0;
        var format = root.TryGetProperty("format", out var f) ? f : default;
        var duration = Seconds(format, "duration") ?? Seconds(video, "duration");
        return new VideoInfo
        {
            Width = width,
            Height = height,
            Fps = fps,
            FrameCount = Int(video, "nb_frames"),
            DurationSeconds = duration,
            Rotation = rotation,
            CodedWidth = codedWidth,
            CodedHeight = codedHeight,
            FormatName = Text(format, "format_name") ?? "",
            Codec = Text(video, "codec_name") ?? "unknown",
            Profile = Text(video, "profile"),
            PixelFormat = Text(video, "pix_fmt"),
            BitRate = long.TryParse(Text(video, "bit_rate"), CultureInfo.InvariantCulture, out var bitRate) ? bitRate : null,
            ConstantFrameRate = Text(video, "r_frame_rate") is { } r && r == Text(video, "avg_frame_rate"),
            VideoStreamCount = videos.Count,
            AudioStreamCount = audios,
            StreamCount = streams.Count,
        };
    }

    /// <summary>The display matrix's rotation (side data, FFmpeg 5 and later), else the old "rotate" tag.</summary>
    private static int RotationOf(JsonElement video)
    {
        if (video.TryGetProperty("side_data_list", out var sideData) && sideData.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in sideData.EnumerateArray())
            {
                if (item.TryGetProperty("rotation", out var rotation) && rotation.TryGetInt32(out var degrees))
                {
                    return degrees;
                }
            }
        }

        return video.TryGetProperty("tags", out var tags) && int.TryParse(Text(tags, "rotate"), CultureInfo.InvariantCulture, out var tag) ? tag : 0;
    }

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value.ToString()
            : null;

    private static int? Int(JsonElement element, string name) =>
        int.TryParse(Text(element, name), CultureInfo.InvariantCulture, out var value) ? value : null;

    private static double? Seconds(JsonElement element, string name) =>
        double.TryParse(Text(element, name), CultureInfo.InvariantCulture, out var value) && value > 0 ? value : null;

    private static double? Rate(JsonElement stream, string name)
    {
        var parts = Text(stream, name)?.Split('/');
        if (parts is [var numerator, var denominator] && double.TryParse(numerator, CultureInfo.InvariantCulture, out var num) &&
            double.TryParse(denominator, CultureInfo.InvariantCulture, out var den) && num > 0 && den > 0)
        {
            return num / den;
        }

        return null;
    }
}
