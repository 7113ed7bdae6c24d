namespace Portal.Jobs;

/// <summary>Entry point of the stand-alone worker (`./portal worker`).</summary>
public static class WorkerProgram
{
    public static int Main()
    {
        Console.WriteLine("worker host: not yet wired");
        return 0;
    }
}
