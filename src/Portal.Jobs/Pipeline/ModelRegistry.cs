using System.Collections.Concurrent;
using Portal.Inference.Actions;
using Portal.Inference.ModelCards;
using Portal.Inference.Onnx;
using Portal.Inference.Pose;

namespace Portal.Jobs.Pipeline;

/// <summary>
/// The worker's models, found by card name under <see cref="PipelineOptions.ModelsRoot"/>. Action recognizers are
/// thread-safe and loaded once. Pose estimators reuse an input buffer, so a job rents one for its own use and gives
/// it back; creating a session takes seconds, which would dominate short clips. A missing model is a
/// <see cref="PipelineFailure"/> that says what to run.
/// </summary>
public sealed class ModelRegistry(IOptions<PipelineOptions> options, OnnxSessionFactory sessions) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<ActionRecognizer>> _actions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentBag<PoseEstimator>> _idlePoseEstimators = new(StringComparer.Ordinal);

    private string Root => Path.GetFullPath(options.Value.ModelsRoot);

    public PoseModelCard PoseCard(string name)
    {
        try
        {
            return ModelCatalog.PoseModel(Root, name);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or InvalidDataException)
        {
            throw new PipelineFailure($"The pose model '{name}' under {Root} cannot be used; run './portal models'. {e.Message}", e);
        }
    }

    public ActionModelCard ActionCard(string name)
    {
        try
        {
            return ModelCatalog.ActionModel(Root, name);
        }
        catch (FileNotFoundException e)
        {
            throw new PipelineFailure($"The action model '{name}' is not installed: {e.Message}", e);
        }
    }

    /// <summary>The card names of the installed action models (<c>actions/NAME.card.json</c>), sorted.</summary>
    public IReadOnlyList<string> ActionModelNames() => ModelCatalog.Names(Root, "actions");

    public RunModels DescribeDefaults()
    {
        var pose = PoseCard(options.Value.PoseModel);
        var action = ActionCard(options.Value.ActionModel);
        return new RunModels(pose.Name, pose.Version, action.Name, action.Version);
    }

    /// <summary>A pose estimator for this caller alone until the lease is disposed.</summary>
    public PoseEstimatorLease RentPoseEstimator(string name)
    {
        var idle = _idlePoseEstimators.GetOrAdd(name, _ => []);
        var estimator = idle.TryTake(out var pooled) ? pooled : new PoseEstimator(PoseCard(name), sessions);
        return new PoseEstimatorLease(estimator, () => idle.Add(estimator));
    }

    public ActionRecognizer Action(string name) =>
        _actions.GetOrAdd(name, n => new Lazy<ActionRecognizer>(() => new ActionRecognizer(ActionCard(n), sessions))).Value;

    public void Dispose()
    {
        foreach (var lazy in _actions.Values.Where(l => l.IsValueCreated))
        {
            lazy.Value.Dispose();
        }

        foreach (var estimator in _idlePoseEstimators.Values.SelectMany(bag => bag))
        {
            estimator.Dispose();
        }
    }
}

/// <summary>A rented pose estimator; disposing gives it back to the registry for the next job.</summary>
public sealed class PoseEstimatorLease(PoseEstimator estimator, Action giveBack) : IDisposable
{
    public PoseEstimator Estimator => estimator;

    public void Dispose() => giveBack();
}
