namespace Portal.Cli.Commands;

/// <summary>Thrown for a command line that parses but makes no sense; the message is shown to the user as it is.</summary>
public sealed class CliUsageException(string message) : Exception(message);

/// <summary>What every command shares: how its body runs and how a failure reaches the user.</summary>
internal static class CliCommand
{
    /// <summary>
    /// Makes <paramref name="run"/> the body of <paramref name="command"/>. A wrong command line (exit 2) and a wrong
    /// model, input file or clip (exit 1) end with one sentence, <c>portal NAME: why</c>, instead of a stack trace;
    /// anything else is a bug and keeps its stack trace.
    /// </summary>
    public static Command WithAction(this Command command, Func<ParseResult, CancellationToken, Task<int>> run)
    {
        command.SetAction(async (parsed, cancellationToken) =>
        {
            try
            {
                return await run(parsed, cancellationToken);
            }
            catch (CliUsageException e)
            {
                await Console.Error.WriteLineAsync($"portal {command.Name}: {e.Message}");
                return 2;
            }
            catch (Exception e) when (e is InvalidDataException or FileNotFoundException or DirectoryNotFoundException or FfmpegException)
            {
                await Console.Error.WriteLineAsync($"portal {command.Name}: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    /// <summary>The synchronous form of <see cref="WithAction(Command, Func{ParseResult, CancellationToken, Task{int}})"/>.</summary>
    public static Command WithAction(this Command command, Func<ParseResult, CancellationToken, int> run) =>
        command.WithAction((parsed, cancellationToken) => Task.FromResult(run(parsed, cancellationToken)));

    /// <summary>An integer option that must be above zero, <paramref name="fallback"/> when not given.</summary>
    public static Option<int> PositiveInt(string name, int fallback, string description)
    {
        var option = new Option<int>(name) { Description = description, DefaultValueFactory = _ => fallback };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() <= 0)
            {
                result.AddError($"{name} must be a positive integer.");
            }
        });
        return option;
    }
}
