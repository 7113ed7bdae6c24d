namespace Portal.Cli.Commands;

/// <summary><c>./portal models list</c>: every model card under the models directory.</summary>
internal static class ModelsListCommand
{
    public static Command Create()
    {
        var directory = new Argument<string?>("DIR") { Description = "the models directory (default: --models, else as every command finds it)", Arity = ArgumentArity.ZeroOrOne };
        var models = new ModelsOption();
        var command = new Command("models-list", "list the model cards under DIR: name, version, task, path") { directory, models };
        return command.WithAction((parsed, _) => Run(parsed.GetValue(directory) is { } dir ? Path.GetFullPath(dir) : models.Root(parsed)));
    }

    private static int Run(string root)
    {
        var cards = ModelCatalog.List(root, (path, why) => Console.Error.WriteLine($"skipped {path}: {why}"));
        if (cards.Count == 0)
        {
            Console.WriteLine($"no model cards under {root}; run './portal models' to install the pose models.");
            return 0;
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

        return 0;
    }
}
