using System.Text.Json.Nodes;
using Portal.Data;
using Portal.Data.Entities;
using Portal.Inference.Actions;
using Portal.Jobs.Learning;

namespace Portal.TestSupport;

/// <summary>
/// Model versions registered without a training: the shipped coco2d ONNX (and its card, unless another is given)
/// stored through <see cref="ModelVersions.RegisterAsync"/>, the registry's one way in, as the training job registers
/// what it trained. Tests of the registry need a version in seconds, not a trained one.
/// </summary>
public static class RegisteredVersions
{
    public static Task<ModelVersion> RegisterShippedAsync(ModelVersions versions, PortalDbContext db, string name, string ownerId, string? cardPath = null)
    {
        var shipped = ActionModelCard.Load(Path.Combine(TestPaths.ModelsRoot, "actions", "actions-coco2d.card.json"));
        var draft = new ModelVersionDraft(name, ownerId, shipped.Name, shipped.Version, new JsonObject { ["validationAccuracy"] = 0.5 }, [], [], 1.0);
        return versions.RegisterAsync(db, draft, shipped.ModelPath, cardPath ?? shipped.CardPath, CancellationToken.None);
    }
}
