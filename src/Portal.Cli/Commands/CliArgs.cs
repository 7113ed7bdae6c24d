namespace Portal.Cli.Commands;

/// <summary>A small parser for `--name value` and `--flag` options plus positional arguments.</summary>
internal sealed class CliArgs
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);

    public List<string> Positional { get; } = [];

    public CliArgs(string[] args, IReadOnlySet<string> flags, IReadOnlySet<string> valued)
    {
        for (var i = 0; i < args.Length; i++)
        {
            var a = args[i];
            if (!a.StartsWith("--", StringComparison.Ordinal))
            {
                Positional.Add(a);
                continue;
            }

            var eq = a.IndexOf('=', StringComparison.Ordinal);
            var name = eq > 0 ? a[2..eq] : a[2..];
            if (flags.Contains(name))
            {
                _options[name] = null;
            }
            else if (valued.Contains(name))
            {
                if (eq > 0)
                {
                    _options[name] = a[(eq + 1)..];
                }
                else if (i + 1 < args.Length)
                {
                    _options[name] = args[++i];
                }
                else
                {
                    throw new CliUsageException($"--{name} needs a value.");
                }
            }
            else
            {
                throw new CliUsageException($"unknown option '{a}'.");
            }
        }
    }

    public bool Has(string name) => _options.ContainsKey(name);

    public string? Get(string name) => _options.TryGetValue(name, out var v) ? v : null;

    public int GetInt(string name, int fallback)
    {
        var v = Get(name);
        if (v is null)
        {
            return fallback;
        }

        return int.TryParse(v, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new CliUsageException($"--{name} must be a positive integer, got '{v}'.");
    }
}
