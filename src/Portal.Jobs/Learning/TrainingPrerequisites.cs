using System.Diagnostics;

namespace Portal.Jobs.Learning;

/// <summary>
/// What a worker serving the training queue needs before it starts: Debian's python3-torch. Checked at start-up, so a
/// worker without it says what to install instead of failing every training it takes.
/// </summary>
public static class TrainingPrerequisites
{
    /// <summary>True when `PYTHON -c 'import torch'` works, after running training/install.sh first if this is root.</summary>
    public static async Task<bool> EnsureAsync(TrainingOptions options, string trainingRoot, TextWriter log)
    {
        if (await ImportsTorchAsync(options.Python))
        {
            return true;
        }

        var install = Path.Combine(trainingRoot, "install.sh");
        if (Environment.UserName == "root" && File.Exists(install))
        {
            await log.WriteLineAsync($"{options.Python} cannot import torch; running bash {install} (as root).");
            using var process = Process.Start(new ProcessStartInfo("bash") { ArgumentList = { install }, UseShellExecute = false })!;
            await process.WaitForExitAsync();
            if (process.ExitCode == 0 && await ImportsTorchAsync(options.Python))
            {
                return true;
            }
        }

        await log.WriteLineAsync(
            $"This worker serves the training queue, but {options.Python} cannot import torch. Install Debian's PyTorch with " +
            $"`sudo bash {install}` (python3-torch, python3-onnx, python3-scipy), then start the worker again.");
        return false;
    }

    private static async Task<bool> ImportsTorchAsync(string python)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(python)
            {
                ArgumentList = { "-c", "import torch" },
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            })!;
            await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
