namespace Portal.Data.Entities;

/// <summary>
/// A registered action model: one version of a model people trained from their reviewed videos (issue 15). The
/// card is kept here as JSON and the ONNX file in the media store under <see cref="OnnxKey"/>; a run names it by
/// <see cref="Name"/> and <see cref="Version"/> like a shipped model. Rows are written only once training is done, in
/// one transaction, so there is never a half-registered version.
/// </summary>
public class ModelVersion
{
    private ModelVersion()
    {
    }

    public Guid Id { get; private set; }

    public string Name { get; private set; } = "";

    /// <summary>1, 2, 3, … per name.</summary>
    public string Version { get; private set; } = "";

    /// <summary>The account that owns it (who started its training).</summary>
    public string OwnerId { get; private set; } = "";

    /// <summary>The model card (the shape of models/actions/*.card.json), "file" naming the ONNX beside it.</summary>
    public string CardJson { get; private set; } = "{}";

    public string OnnxKey { get; private set; } = "";

    /// <summary>The trainer's final metrics (validationAccuracy, windows, epochs, seconds, …) as JSON.</summary>
    public string MetricsJson { get; private set; } = "{}";

    /// <summary>JSON array of the labels the classifier head has, in output order.</summary>
    public string LabelsJson { get; private set; } = "[]";

    public string BaseName { get; private set; } = "";

    public string BaseVersion { get; private set; } = "";

    /// <summary>What it learned from, as JSON: {"videos": [ids], "corrections": [ids]}.</summary>
    public string TrainedOnJson { get; private set; } = "{}";

    public double DurationSeconds { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    /// <summary>The model new uploads are processed with (at most one version is).</summary>
    public bool IsDefault { get; private set; }

    public static ModelVersion Create(Guid id, string name, string version, string ownerId, string cardJson, string onnxKey, string metricsJson,
        string labelsJson, string baseName, string baseVersion, string trainedOnJson, double durationSeconds, DateTimeOffset createdAt) => new()
    {
        Id = id,
        Name = name,
        Version = version,
        OwnerId = ownerId,
        CardJson = cardJson,
        OnnxKey = onnxKey,
        MetricsJson = metricsJson,
        LabelsJson = labelsJson,
        BaseName = baseName,
        BaseVersion = baseVersion,
        TrainedOnJson = trainedOnJson,
        DurationSeconds = durationSeconds,
        CreatedAt = createdAt,
    };

    public void SetDefault(bool isDefault) => IsDefault = isDefault;
}
