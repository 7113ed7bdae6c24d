using Portal.Evaluation;

namespace Portal.Cli.Commands;

/// <summary>
/// <c>--models DIR</c>, the one way every command finds its models: the option, else <c>$PORTAL_MODELS</c>, else
/// <c>models/</c> of the checkout this CLI was built in, else <c>./models</c>. Cards are then looked up by
/// <see cref="ModelCatalog"/>.
/// </summary>
internal sealed class ModelsOption : Option<string?>
{
    public ModelsOption()
        : base("--models")
    {
        Description = "the models directory (default: $PORTAL_MODELS, else models/ of this checkout)";
    }

    public string Root(ParseResult parsed)
    {
        var explicitRoot = parsed.GetValue(this) ?? Environment.GetEnvironmentVariable("PORTAL_MODELS");
        if (!string.IsNullOrEmpty(explicitRoot))
        {
            return Path.GetFullPath(explicitRoot);
        }

        return RepositoryLayout.TryRoot is { } repository ? Path.Combine(repository, "models") : Path.GetFullPath("models");
    }

    /// <summary>The action model named by <paramref name="nameOrPath"/> (a card name, or a card file's path).</summary>
    public Inference.Actions.ActionModelCard ActionModel(ParseResult parsed, string nameOrPath) => ModelCatalog.ActionModel(Root(parsed), nameOrPath);
}
