using System.CommandLine;

namespace Portal.Web.Hosting;

/// <summary>
/// How the web host's own commands (`Portal.Web user|token|review|dataset|models …`, what `./portal user add` and the
/// like run) are parsed: by System.CommandLine, as portal-cli's are, so usage, `--help`, unknown and repeated options
/// behave the same everywhere.
/// </summary>
public static class HostCommandLine
{
    /// <summary>Parses and runs <paramref name="args"/>; a command line that does not parse exits 2, as a usage error always has here.</summary>
    public static async Task<int> InvokeAsync(RootCommand root, string[] args)
    {
        // No response files: an argument that starts with '@' is a value (an e-mail, a path), not a file of arguments.
        var parsed = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        var exitCode = await parsed.InvokeAsync();
        return parsed.Errors.Count > 0 ? 2 : exitCode;
    }

    /// <summary>A command whose body returns the exit code; <paramref name="run"/> gets the parse result.</summary>
    public static Command WithAction(this Command command, Func<ParseResult, Task<int>> run)
    {
        command.SetAction((parsed, _) => run(parsed));
        return command;
    }

    /// <summary>An integer option that must be above zero when given.</summary>
    public static Option<int?> PositiveInt(string name, string description)
    {
        var option = new Option<int?>(name) { Description = description };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is <= 0)
            {
                result.AddError($"{name} must be a positive integer.");
            }
        });
        return option;
    }

    public static async Task<int> FailAsync(int code, string message)
    {
        await Console.Error.WriteLineAsync(message);
        return code;
    }
}
