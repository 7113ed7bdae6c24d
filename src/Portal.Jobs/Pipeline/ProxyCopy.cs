using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Portal.Jobs.Pipeline;

/// <summary>
/// Decides whether a video's picture can go into the review proxy as it is, copied instead of re-encoded, because it
/// already is what the encoder would make: H.264 4:2:0 in a profile every browser plays, a constant frame rate, no
/// rotation, no side longer than the proxy's, a modest bit rate, and a key picture at least every 2 s. Re-encoding
/// decodes and encodes the whole video once more, the largest cost of the pipeline after pose estimation.
/// </summary>
public static class ProxyCopy
{
    /// <summary>The longest stretch between key pictures a proxy may have: a seek decodes at most this much.</summary>
    public const double MaxKeyIntervalSeconds = 2;

    /// <summary>Above this the picture is re-encoded anyway, to keep the proxy light to stream.</summary>
    private const long MaxBitRate = 8_000_000;

    private static readonly string[] BrowserProfiles = ["Constrained Baseline", "Baseline", "Main", "High"];

    public static async Task<bool> IsPossibleAsync(string path, int maxSide, CancellationToken cancellationToken)
    {
        var (exitCode, json) = await ProbeAsync(path,
            ["-show_entries", "stream=codec_name,profile,pix_fmt,width,height,r_frame_rate,avg_frame_rate,bit_rate:stream_side_data=rotation", "-of", "json"],
            cancellationToken);
        if (exitCode != 0)
        {
            return false;
        }

        using var document = JsonDocument.Parse(json);
        if (!document.RootElement.TryGetProperty("streams", out var streams) || streams.GetArrayLength() == 0)
        {
            return false;
        }

        var stream = streams[0];
        string? Text(string name) => stream.TryGetProperty(name, out var value) ? value.ToString() : null;
        var suitable = Text("codec_name") == "h264" && Text("pix_fmt") == "yuv420p" && BrowserProfiles.Contains(Text("profile"))
            && stream.GetProperty("width").GetInt32() <= maxSide && stream.GetProperty("height").GetInt32() <= maxSide
            && Text("r_frame_rate") == Text("avg_frame_rate") // a constant frame rate
            && !stream.TryGetProperty("side_data_list", out _) // rotation is applied by re-encoding
            && long.TryParse(Text("bit_rate"), CultureInfo.InvariantCulture, out var bitRate) && bitRate <= MaxBitRate;
        return suitable && await KeyPicturesCloseEnoughAsync(path, cancellationToken);
    }

    /// <summary>Reads the packets' times and flags (no decoding) and stops at the first gap that is too long.</summary>
    private static async Task<bool> KeyPicturesCloseEnoughAsync(string path, CancellationToken cancellationToken)
    {
        using var process = Start(path, ["-show_entries", "packet=pts_time,flags", "-of", "csv=p=0"]);
        try
        {
            double? lastKey = null, last = null;
            while (await process.StandardOutput.ReadLineAsync(cancellationToken) is { } line)
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

                if (lastKey is null || time - lastKey > MaxKeyIntervalSeconds)
                {
                    return false;
                }

                last = time;
            }

            await process.WaitForExitAsync(cancellationToken);
            return process.ExitCode == 0 && last is not null;
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    private static async Task<(int ExitCode, string Stdout)> ProbeAsync(string path, string[] arguments, CancellationToken cancellationToken)
    {
        using var process = Start(path, arguments);
        var stdout = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, stdout);
    }

    private static Process Start(string path, string[] arguments)
    {
        var start = new ProcessStartInfo("ffprobe") { RedirectStandardOutput = true, RedirectStandardError = false };
        foreach (var argument in (string[])["-v", "error", "-select_streams", "v:0", .. arguments, path])
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("Could not start ffprobe.");
    }
}
