using System.CommandLine;
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

return await root.Parse(args).InvokeAsync();
