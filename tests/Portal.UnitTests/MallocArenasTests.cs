using Portal.Jobs.Hosting;

namespace Portal.UnitTests;

public class MallocArenasTests
{
    [Fact]
    public void Glibc_accepts_the_arena_cap()
    {
        // The machines this runs on are Debian (glibc): a wrong entry point or parameter number would return false.
        // Elsewhere, or when an operator set MALLOC_ARENA_MAX (which wins), there is nothing to check.
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") is not null)
        {
            return;
        }

        Assert.True(MallocArenas.Limit());
    }
}
