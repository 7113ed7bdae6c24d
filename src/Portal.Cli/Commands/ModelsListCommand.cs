using Portal.Inference.ModelCards;

namespace Portal.Cli.Commands;

/// <summary><c>./portal models list</c>: every model card under the models directory.</summary>
public sealed class ModelsListCommand : ICliCommand
{
    public string Name => "models-list";

    public string Summary => "[DIR] list the model cards under DIR (default: models/): name, version, task, path";

    public Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var arguments = new CliArguments(args, "models");
        var root = arguments.Positional.Count > 0 ? Path.GetFullPath(arguments.Positional[0]) : arguments.ModelsRoot();
        var cards = ModelCatalog.List(root, (path, why) => Console.Error.WriteLine($"skipped {path}: {why}"));
        if (cards.Count == 0)
        {
            Console.WriteLine($"no model cards under {root}; run './portal models' to install the pose models.");
            return Task.FromResult(0);
        }

        var rows = cards.Select(c => (c.Name, c.Version, c.Task, Path: Path.GetRelativePath(Directory.GetCurrentDirectory(), c.CardPath))).ToList();
        var nameWidth = Math.Max(4, rows.Max(r => r.Name.Length));
        var versionWidth = Math.Max(7, rows.Max(r => r.Version.Length));
        var taskWidth = Math.Max(4, rows.Max(r => r.Task.Length));
        Console.WriteLine($"{"NAME".PadRight(nameWidth)}  {"VERSION".PadRight(versionWidth)}  {"TASK".PadRight(taskWidth)}  PATH");
        foreach (var row in rows)
        {
            Console.WriteLine($"{row.Name.PadRight(nameWidth)}  {row.Version.PadRight(versionWidth)}  {row.Task.PadRight(taskWidth)}  {row.Path}");
        }

        return Task.FromResult(0);
    }
}
