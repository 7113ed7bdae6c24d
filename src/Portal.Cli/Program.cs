using Portal.Cli.Commands;

// The CLI behind `./portal pose|classify|evaluate|models ...`. Each command lives in its own class under
// Commands/; this table is the only place that names them.
ICliCommand[] commands =
[
    new PoseCommand(),
    new ModelsListCommand(),
    new BenchPoseCommand(),
    new ClassifyCommand(),
    new EvaluateCommand(),
    new ActionsBenchCommand(),
];

if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
{
    Console.WriteLine("usage: portal-cli COMMAND [ARGS]");
    foreach (var command in commands)
    {
        Console.WriteLine($"  {command.Name,-10} {command.Summary}");
    }
    return 0;
}

var chosen = commands.FirstOrDefault(c => c.Name == args[0]);
if (chosen is null)
{
    await Console.Error.WriteLineAsync($"portal-cli: unknown command '{args[0]}' (try 'help').");
    return 2;
}

try
{
    return await chosen.RunAsync(args[1..], CancellationToken.None);
}
catch (CliUsageException e)
{
    await Console.Error.WriteLineAsync($"portal {chosen.Name}: {e.Message}");
    return 2;
}
