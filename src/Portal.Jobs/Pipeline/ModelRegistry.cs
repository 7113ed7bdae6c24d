using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Inference.Actions;
using Portal.Inference.ModelCards;
using Portal.Inference.Onnx;
using Portal.Inference.Pose;
using Portal.Jobs.Learning;

namespace Portal.Jobs.Pipeline;

/// <summary>
/// The worker's models, found by card name under <see cref="PipelineOptions.ModelsRoot"/>. Action recognizers are
/// thread-safe and loaded once. Pose estimators reuse an input buffer, so a job rents one for its own use and gives
/// it back; creating a session takes seconds, which would dominate short clips. A missing model is a
/// <see cref="PipelineFailure"/> that says what to run. Action models are either shipped (a card under the models
/// directory) or registered (<see cref="ModelVersions"/>: trained in the portal, stored in the database and the media
/// store); <see cref="ResolveActionCard"/> and <see cref="ActionAsync"/> are the one place that tells them apart.
/// </summary>
public sealed class ModelRegistry(IOptions<PipelineOptions> options, OnnxSessionFactory sessions, IDbContextFactory<PortalDbContext> dbFactory, ModelVersions versions) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<ActionRecognizer>> _actions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentBag<PoseEstimator>> _idlePoseEstimators = new(StringComparer.Ordinal);
    private int _poseStages;

    private string Root => Path.GetFullPath(options.Value.ModelsRoot);

    /// <summary>Intra-op threads of every session (0: ONNX Runtime's default).</summary>
    public int IntraOpThreads => sessions.IntraOpThreads;

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

    /// <summary>
    /// Pose estimators for one poses stage, for its use alone until the lease is disposed: one per frame it runs at once
    /// (<see cref="InferenceOptions.FramesInFlightFor"/>, the stages holding estimators at this moment dividing the
    /// cores), or one when <paramref name="oneAtATime"/>.
    /// </summary>
    public PoseEstimatorsLease RentPoseEstimators(string name, bool oneAtATime = false)
    {
        var idle = _idlePoseEstimators.GetOrAdd(name, _ => []);
        var rented = new List<PoseEstimator>();
        var running = Interlocked.Increment(ref _poseStages);
        void GiveBack()
        {
            rented.ForEach(idle.Add);
            Interlocked.Decrement(ref _poseStages);
        }

        try
        {
            var count = oneAtATime ? 1 : sessions.FramesInFlight(running);
            for (var i = 0; i < count; i++)
            {
                rented.Add(idle.TryTake(out var pooled) ? pooled : NewPoseEstimator(name));
            }

            return new PoseEstimatorsLease(rented, GiveBack);
        }
        catch
        {
            GiveBack();
            throw;
        }
    }

    private PoseEstimator NewPoseEstimator(string name)
    {
        try
        {
            return new PoseEstimator(PoseCard(name), sessions, new PoseEstimatorOptions { FitInputToFrame = options.Value.PoseInputFitsFrame });
        }
        catch (InvalidDataException e)
        {
            throw new PipelineFailure($"The pose model '{name}' cannot run as configured: {e.Message}", e);
        }
    }

    public ActionRecognizer Action(string name) =>
        _actions.GetOrAdd(name, n => new Lazy<ActionRecognizer>(() => new ActionRecognizer(ActionCard(n), sessions))).Value;

    private bool IsShipped(string name) => ActionModelNames().Contains(name, StringComparer.Ordinal);

    /// <summary>
    /// The card of the action model <paramref name="model"/> names for a new run: a shipped model by name, else a
    /// registered version ("NAME@VERSION", or "NAME": its default or newest version); null, the configured default
    /// (a registered version an admin made the default, else the shipped one). A registered card's path is a stand-in:
    /// its ONNX is fetched when a job needs it.
    /// </summary>
    public ActionModelCard ResolveActionCard(PortalDbContext db, string? model)
    {
        if (model is null)
        {
            return ModelVersions.Default(db) is { } chosen ? RegisteredCard(chosen) : ActionCard(options.Value.ActionModel);
        }

        if (IsShipped(model))
        {
            return ActionCard(model);
        }

        // "NAME@VERSION" of a shipped model: the installed card, when it is that version.
        var at = model.LastIndexOf('@');
        if (at > 0 && IsShipped(model[..at]) && ActionCard(model[..at]) is var shipped && shipped.Version == model[(at + 1)..])
        {
            return shipped;
        }

        return ModelVersions.Find(db, model) is { } registered
            ? RegisteredCard(registered)
            : throw new PipelineFailure($"No action model '{model}': neither installed ({string.Join(", ", ActionModelNames())}) nor registered (NAME or NAME@VERSION).");
    }

    private static ActionModelCard RegisteredCard(ModelVersion version) =>
        ActionModelCard.Parse(version.CardJson, $"registered:{version.Name}@{version.Version}.card.json");

    /// <summary>
    /// The recognizer of a run's action model: the shipped model of that name, else the registered version, whose ONNX
    /// is copied once from the media store to a local folder for ONNX Runtime.
    /// </summary>
    public async Task<ActionRecognizer> ActionAsync(string name, string version, CancellationToken cancellationToken)
    {
        if (IsShipped(name))
        {
            return Action(name);
        }

        var key = $"{name}@{version}";
        if (_actions.TryGetValue(key, out var loaded))
        {
            return loaded.Value;
        }

        ModelVersion registered;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            registered = ModelVersions.Find(db, key) ?? throw new PipelineFailure($"The registered model {key} is gone (deleted since the run started).");
        }

        var card = await versions.MaterializeAsync(registered, Path.Combine(Path.GetTempPath(), "portal-registered-models", registered.Id.ToString("N")), cancellationToken);
        return _actions.GetOrAdd(key, _ => new Lazy<ActionRecognizer>(() => new ActionRecognizer(card, sessions))).Value;
    }

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

/// <summary>Rented pose estimators; disposing gives them back to the registry for the next stage.</summary>
public sealed class PoseEstimatorsLease(IReadOnlyList<PoseEstimator> estimators, Action giveBack) : IDisposable
{
    private int _disposed;

    public IReadOnlyList<PoseEstimator> Estimators => estimators;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            giveBack();
        }
    }
}
