namespace Portal.Cli.Commands;

/// <summary>One `./portal NAME ...` command implemented in C#.</summary>
public interface ICliCommand
{
    string Name { get; }

    string Summary { get; }

    /// <returns>The process exit code.</returns>
    Task<int> RunAsync(string[] args, CancellationToken cancellationToken);
}

/// <summary>Thrown for a wrong command line; the message is shown to the user as it is.</summary>
public sealed class CliUsageException(string message) : Exception(message);
