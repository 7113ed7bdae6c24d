using Microsoft.AspNetCore.Mvc;
using Portal.Web.Accounts;
using Portal.Web.Learning;

namespace Portal.Web.Api;

public static class TrainingEndpoints
{
    public static IEndpointRouteBuilder MapTrainingApi(this IEndpointRouteBuilder app)
    {
        var trainings = app.MapGroup("/api/trainings").WithTags("Training");
        trainings.MapPost("/", StartAsync).DisableAntiforgery().WithName("StartTraining");
        trainings.MapGet("/", ListAsync).WithName("ListTrainings");
        trainings.MapGet("/{id:guid}", GetAsync).WithName("GetTraining");
        trainings.MapPost("/{id:guid}/cancel", CancelAsync).DisableAntiforgery().WithName("CancelTraining");

        var registry = app.MapGroup("/api/models/versions").WithTags("Training");
        registry.MapGet("/", async (RegistryCommands commands, CancellationToken ct) => Results.Ok(await commands.ListAsync(ct))).WithName("ListModelVersions");
        registry.MapPost("/{id:guid}/default", async (Guid id, ICurrentUser user, RegistryCommands commands, CancellationToken ct) =>
            Answer(await commands.SetDefaultAsync(user, id, ct), null)).DisableAntiforgery().WithName("MakeModelVersionDefault");
        registry.MapDelete("/default", async (ICurrentUser user, RegistryCommands commands, CancellationToken ct) =>
            Answer(await commands.SetDefaultAsync(user, null, ct), null)).WithName("UnsetDefaultModelVersion");
        registry.MapDelete("/{id:guid}", async (Guid id, ICurrentUser user, RegistryCommands commands, CancellationToken ct) =>
        {
            var (outcome, reason) = await commands.DeleteAsync(user, id, ct);
            return Answer(outcome, reason);
        }).WithName("DeleteModelVersion");
        return app;
    }

    private static IResult Answer(RegistryOutcome outcome, string? reason) => outcome switch
    {
        RegistryOutcome.Done => Results.NoContent(),
        RegistryOutcome.Refused => Results.Problem(statusCode: 409, title: "The model version is in use.", detail: reason),
        _ => Results.Problem(statusCode: 404, title: "No such model version."),
    };

    /// <summary>POST /api/trainings {baseModel, name, epochs, owner}: queues a fine-tuning on the caller's reviewed videos (an admin's: owner's, or all).</summary>
    private static async Task<IResult> StartAsync([FromBody] TrainingRequest? request, ICurrentUser user, TrainingCommands trainings, CancellationToken cancellationToken)
    {
        var (id, error, notFound) = await trainings.StartAsync(user, request ?? new TrainingRequest(null, null, null, null), cancellationToken);
        return (id, error, notFound) switch
        {
            (_, _, true) => Results.Problem(statusCode: 404, title: "No such owner."),
            ({ } queued, _, _) => Results.Accepted($"/api/trainings/{queued}", new { id = queued }),
            _ => Results.Problem(statusCode: 400, title: "The training cannot start.", detail: error),
        };
    }

    private static async Task<IResult> ListAsync(ICurrentUser user, TrainingCommands trainings, CancellationToken cancellationToken) =>
        Results.Ok(await trainings.ListAsync(user, cancellationToken));

    private static async Task<IResult> GetAsync(Guid id, ICurrentUser user, TrainingCommands trainings, CancellationToken cancellationToken) =>
        await trainings.GetAsync(user, id, cancellationToken) is { } training ? Results.Ok(training) : NoTraining();

    private static async Task<IResult> CancelAsync(Guid id, ICurrentUser user, TrainingCommands trainings, CancellationToken cancellationToken) =>
        await trainings.CancelAsync(user, id, cancellationToken) ? Results.Accepted($"/api/trainings/{id}") : NoTraining();

    private static IResult NoTraining() => Results.Problem(statusCode: 404, title: "No such training.");
}
