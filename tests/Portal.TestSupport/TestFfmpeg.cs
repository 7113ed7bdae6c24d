using System.Diagnostics;

namespace Portal.TestSupport;

/// <summary>Debian's ffmpeg for making test inputs at test time (cut, re-encode, damage), throwing with its stderr when it fails.</summary>
public static class TestFfmpeg
{
    public static void Run(params string[] arguments)
    {
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true };
        foreach (var argument in (string[])["-nostdin", "-v", "error", "-y", .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"ffmpeg {string.Join(' ', arguments)} exited with {process.ExitCode}: {stderr}");
        }
    }
}
