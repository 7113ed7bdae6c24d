using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Data.Entities;
using Portal.Inference.Actions;
using Portal.Inference.ModelCards;
using Portal.Inference.Onnx;
using Portal.Inference.Pose;

namespace Portal.Jobs.Pipeline;

/// <summary>
/// The worker's models, found by card name under <see cref="PipelineOptions.ModelsRoot"/>. Action recognizers are
/// thread-safe and loaded once; pose estimators reuse an input buffer, so each job gets its own (about a second to
/// create, small next to a video's work). A missing model is a <see cref="PipelineFailure"/> that says what to run.
/// </summary>
public sealed class ModelRegistry(IOptions<PipelineOptions> options, IOptions<InferenceOptions> inference, ILogger<ModelRegistry> logger) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<ActionRecognizer>> _actions = new(StringComparer.Ordinal);

    private string Root => Path.GetFullPath(options.Value.ModelsRoot);

    public ModelCard PoseCard(string name)
    {
        try
        {
            return ModelCatalog.PoseModel(Root, name);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or InvalidDataException)
        {
            throw new PipelineFailure($"The pose model '{name}' is not installed under {Root}: run './portal models'. ({e.Message})", e);
        }
    }

    public ActionModelCard ActionCard(string name)
    {
        var path = Path.Combine(Root, "actions", name + ".card.json");
        if (!File.Exists(path))
        {
            throw new PipelineFailure($"The action model '{name}' is not installed: {path} is missing.");
        }

        return ActionModelCard.Load(path);
    }

    public RunModels DescribeDefaults()
    {
        var pose = PoseCard(options.Value.PoseModel);
        var action = ActionCard(options.Value.ActionModel);
        return new RunModels(pose.Name, pose.Version, action.Name, action.Version);
    }

    public PoseEstimator CreatePoseEstimator(string name) => new(PoseCard(name), SessionFactory());

    public ActionRecognizer Action(string name) =>
        _actions.GetOrAdd(name, n => new Lazy<ActionRecognizer>(() => new ActionRecognizer(ActionCard(n), SessionFactory()))).Value;

    private OnnxSessionFactory SessionFactory() => new(inference.Value, message => logger.LogWarning("{Message}", message));

    public void Dispose()
    {
        foreach (var lazy in _actions.Values.Where(l => l.IsValueCreated))
        {
            lazy.Value.Dispose();
        }
    }
}
