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
        return app;
    }

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
