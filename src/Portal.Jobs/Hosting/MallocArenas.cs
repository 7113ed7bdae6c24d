using System.Runtime.InteropServices;

namespace Portal.Jobs.Hosting;

/// <summary>
/// Caps the number of glibc malloc arenas of a process that runs pipeline jobs.
/// </summary>
/// <remarks>
/// glibc gives a thread that finds the other arenas busy an arena of its own, up to eight per core, and memory freed
/// in an arena is reused only by that arena. ONNX Runtime's intra-op threads, the ffmpeg pipe readers and the .NET
/// thread pool all allocate natively, each time from whichever arena they land on, so the worker's resident memory
/// crept with the length of the video although the managed heap stayed flat: 319 MiB on a 60 s clip against 353 MiB
/// on a 600 s loop of the same video; with two arenas, 303 against 309 MiB, at the same speed (`./portal
/// bench-memory`, docs/benchmarks.md). The cap must be set before most threads exist: first thing in Main. An
/// operator's own <c>MALLOC_ARENA_MAX</c> wins; on a C library other than glibc this does nothing.
/// </remarks>
public static class MallocArenas
{
    public const int DefaultLimit = 2;

    // mallopt's parameter number for the arena cap, from glibc's malloc.h.
    private const int MArenaMax = -8;

    /// <summary>Applies the cap; true when glibc accepted it.</summary>
    public static bool Limit(int arenas = DefaultLimit)
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") is not null)
        {
            return false;
        }

        try
        {
            return mallopt(MArenaMax, arenas) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int parameter, int value);
}
