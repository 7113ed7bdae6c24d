using System.Globalization;

namespace Portal.Cli.Commands;

/// <summary>Positional arguments and <c>--name value</c> options, checked against the names a command accepts.</summary>
internal sealed class CliArguments
{
    private readonly Dictionary<string, string> _options = new(StringComparer.Ordinal);

    public CliArguments(string[] args, params string[] optionNames)
    {
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                Positional.Add(arg);
                continue;
            }

            var name = arg[2..];
            string? value = null;
            var equals = name.IndexOf('=', StringComparison.Ordinal);
            if (equals >= 0)
            {
                value = name[(equals + 1)..];
                name = name[..equals];
            }

            if (!optionNames.Contains(name))
            {
                throw new CliUsageException($"unknown option '--{name}' (options: {string.Join(", ", optionNames.Select(o => "--" + o))}).");
            }

            if (value is null)
            {
                if (i + 1 >= args.Length)
                {
                    throw new CliUsageException($"option '--{name}' needs a value.");
                }

                value = args[++i];
            }

            _options[name] = value;
        }
    }

    public List<string> Positional { get; } = [];

    public string? Get(string name) => _options.GetValueOrDefault(name);

    public double? GetDouble(string name)
    {
        var text = Get(name);
        if (text is null)
        {
            return null;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new CliUsageException($"--{name} must be a positive number, not '{text}'.");
    }

    /// <summary>The models directory: --models, else $PORTAL_MODELS, else models/ of the repository this CLI was built in.</summary>
    public string ModelsRoot()
    {
        var explicitRoot = Get("models") ?? Environment.GetEnvironmentVariable("PORTAL_MODELS");
        if (explicitRoot is not null)
        {
            return Path.GetFullPath(explicitRoot);
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Portal.sln")))
            {
                return Path.Combine(dir.FullName, "models");
            }
        }

        return Path.GetFullPath("models");
    }
}
