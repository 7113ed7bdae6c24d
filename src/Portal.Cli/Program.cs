using Portal.Cli.Commands;

// The CLI behind `./portal pose|classify|evaluate|models ...`, parsed by System.CommandLine. Each command lives in its
// own class under Commands/; this table is the only place that names them.
var root = new RootCommand("Portal's model and data commands (run through ./portal; `portal-cli COMMAND --help` for one command)")
{
    PoseCommand.Create(),
    ModelsListCommand.Create(),
    BenchPoseCommand.Create(),
    ClassifyCommand.Create(),
    EvaluateCommand.Create(),
    ActionsBenchCommand.Create(),
};

// No response files: an argument that starts with '@' is a value (a path, a name), not a file of arguments to read.
var parsed = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
var exitCode = await parsed.InvokeAsync();
// A command line that does not parse exits 2, as a usage error always has here (System.CommandLine's own is 1).
return parsed.Errors.Count > 0 ? 2 : exitCode;
