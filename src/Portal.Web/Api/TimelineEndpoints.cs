using Microsoft.AspNetCore.Mvc;
using Portal.Data.Media;
using Portal.Inference.Skeletons;
using Portal.Web.Accounts;
using Portal.Web.Videos;

namespace Portal.Web.Api;

public static class TimelineEndpoints
{
    public static IEndpointRouteBuilder MapTimelineApi(this IEndpointRouteBuilder app)
    {
        var videos = app.MapGroup("/api/videos/{id:guid}").WithTags("Timeline");
        videos.MapGet("/timeline", TimelineAsync).WithName("GetTimeline");
        videos.MapGet("/timeline.json", ExportJsonAsync).WithName("ExportTimelineJson");
        videos.MapGet("/timeline.csv", ExportCsvAsync).WithName("ExportTimelineCsv");
        videos.MapGet("/timeline.vtt", ExportVttAsync).WithName("ExportTimelineVtt");
        videos.MapGet("/skeletons.json", ExportSkeletonsAsync).WithName("ExportSkeletons");
        videos.MapGet("/corrections", CorrectionsAsync).WithName("GetCorrections");
        videos.MapPost("/corrections", CorrectAsync).DisableAntiforgery().WithName("CorrectSegments");
        videos.MapGet("/reviews", ReviewsAsync).WithName("GetReviews");
        videos.MapPost("/reviews", MarkReviewedAsync).DisableAntiforgery().WithName("MarkReviewed");
        videos.MapDelete("/reviews", UnmarkReviewedAsync).DisableAntiforgery().WithName("UnmarkReviewed");
        videos.MapGet("/poses", PosesAsync).WithName("GetPoses");
        videos.MapGet("/attention", AttentionAsync).WithName("GetAttention");
        videos.MapGet("/proxy.mp4", Proxy).WithName("GetReviewProxy");
        videos.MapGet("/keyframes/{track:int}/{segment:int}.png", KeyframeAsync).WithName("GetKeyframe");
        videos.MapPost("/cancel", CancelAsync).DisableAntiforgery().WithName("CancelVideo");
        videos.MapPost("/reprocess", ReprocessAsync).DisableAntiforgery().WithName("ReprocessVideo");
        return app;
    }

    private static async Task<IResult> TimelineAsync(Guid id, Guid? run, bool? original, ICurrentUser user, TimelineQueries queries, CancellationToken cancellationToken) =>
        await queries.GetTimelineAsync(user, id, run, cancellationToken, original ?? false) is { } timeline
            ? Results.Ok(timeline)
            : NoTimeline();

    private static Task<IResult> ExportJsonAsync(Guid id, bool? original, HttpContext context, ICurrentUser user, TimelineQueries queries, CancellationToken cancellationToken) =>
        ExportAsync(id, original ?? false, context, user, queries, "json", timeline => Results.Json(timeline), cancellationToken);

    private static Task<IResult> ExportCsvAsync(Guid id, bool? original, HttpContext context, ICurrentUser user, TimelineQueries queries, CancellationToken cancellationToken) =>
        ExportAsync(id, original ?? false, context, user, queries, "csv", timeline => Results.Text(TimelineQueries.ToCsv(timeline), "text/csv; charset=utf-8"), cancellationToken);

    private static Task<IResult> ExportVttAsync(Guid id, bool? original, HttpContext context, ICurrentUser user, TimelineQueries queries, CancellationToken cancellationToken) =>
        ExportAsync(id, original ?? false, context, user, queries, "vtt", timeline => Results.Text(TimelineQueries.ToWebVtt(timeline), "text/vtt; charset=utf-8"), cancellationToken);

    /// <summary>A download of the current timeline (corrected unless ?original=true), named after the video.</summary>
    private static async Task<IResult> ExportAsync(Guid id, bool original, HttpContext context, ICurrentUser user, TimelineQueries queries, string extension, Func<TimelineDto, IResult> render, CancellationToken cancellationToken)
    {
        if (await queries.GetTimelineAsync(user, id, null, cancellationToken, original) is not { } timeline)
        {
            return NoTimeline();
        }

        context.Response.Headers.ContentDisposition = $"attachment; filename=\"timeline-{id:N}.{extension}\"";
        return render(timeline);
    }

    /// <summary>GET /api/videos/{id}/poses?from=&amp;to= (seconds): the skeleton JSON of docs/formats.md with track ids.</summary>
    private static async Task<IResult> PosesAsync(Guid id, double? from, double? to, ICurrentUser user, TimelineQueries queries, CancellationToken cancellationToken)
    {
        var start = from ?? 0;
        var end = to ?? double.MaxValue;
        if (start < 0 || end < start)
        {
            return Results.Problem(statusCode: 400, title: "Bad range.", detail: "Use 0 <= from <= to, in seconds.");
        }

        if (await queries.GetPosesAsync(user, id, start, end, cancellationToken) is not { } document)
        {
            return NoTimeline();
        }

        var stream = new MemoryStream();
        await SkeletonDocument.WriteAsync(stream, document, cancellationToken);
        stream.Position = 0;
        return Results.Stream(stream, "application/json");
    }

    /// <summary>GET /api/videos/{id}/attention?track=&amp;from=&amp;to=&amp;joints=: the action windows of the range with their attention.</summary>
    private static async Task<IResult> AttentionAsync(Guid id, int? track, double? from, double? to, bool? joints, ICurrentUser user, TimelineQueries queries, CancellationToken cancellationToken)
    {
        var start = from ?? 0;
        var end = to ?? double.MaxValue;
        if (start < 0 || end < start)
        {
            return Results.Problem(statusCode: 400, title: "Bad range.", detail: "Use 0 <= from <= to, in seconds.");
        }

        return await queries.GetAttentionAsync(user, id, track, start, end, joints ?? true, cancellationToken) is { } attention
            ? Results.Ok(attention)
            : NoTimeline();
    }

    /// <summary>GET /api/videos/{id}/skeletons.json: every track's poses with its (corrected) segments, as a download.</summary>
    private static async Task<IResult> ExportSkeletonsAsync(Guid id, bool? original, HttpContext context, ICurrentUser user, TimelineQueries queries, CancellationToken cancellationToken)
    {
        if (await queries.GetLabelledSkeletonsAsync(user, id, original ?? false, cancellationToken) is not { } export)
        {
            return NoTimeline();
        }

        context.Response.Headers.ContentDisposition = $"attachment; filename=\"skeletons-{id:N}.json\"";
        return Results.Json(export);
    }

    private static async Task<IResult> CorrectionsAsync(Guid id, ICurrentUser user, CorrectionCommands corrections, CancellationToken cancellationToken) =>
        await corrections.HistoryAsync(user, id, cancellationToken) is { } history
            ? Results.Ok(history)
            : NoTimeline();

    /// <summary>POST /api/videos/{id}/corrections: relabel, split, merge, delete or add segments of the current run.</summary>
    private static async Task<IResult> CorrectAsync(Guid id, [FromBody] CorrectionRequest request, ICurrentUser user, CorrectionCommands corrections, CancellationToken cancellationToken)
    {
        try
        {
            return await corrections.ApplyAsync(user, id, request, cancellationToken) is { } track
                ? Results.Ok(track)
                : NoTimeline();
        }
        catch (CorrectionException e)
        {
            return Results.Problem(statusCode: 400, title: "The correction cannot be applied.", detail: e.Message);
        }
        catch (CorrectionConflictException e)
        {
            return Results.Problem(statusCode: 409, title: "The segments have changed.",
                detail: $"{e.Message} Read the timeline again and send the change with its current runId and correctionsVersion.");
        }
    }

    private static async Task<IResult> ReviewsAsync(Guid id, ICurrentUser user, ReviewCommands reviews, CancellationToken cancellationToken) =>
        await reviews.ListAsync(user, id, cancellationToken) is { } marks ? Results.Ok(marks) : NoTimeline();

    /// <summary>The body of POST /api/videos/{id}/reviews: the track to mark, or none for the whole video.</summary>
    public sealed record ReviewRequest(int? Track);

    /// <summary>POST /api/videos/{id}/reviews: marks a track (or the whole video) of the current run reviewed; answers the run's marks.</summary>
    private static async Task<IResult> MarkReviewedAsync(Guid id, [FromBody] ReviewRequest? request, ICurrentUser user, ReviewCommands reviews, CancellationToken cancellationToken) =>
        await reviews.MarkAsync(user, id, request?.Track, cancellationToken) is { } marks
            ? Results.Ok(marks)
            : Results.Problem(statusCode: 404, title: "No such track.", detail: "The video does not exist, has not been processed yet, or its current run has no such track.");

    /// <summary>DELETE /api/videos/{id}/reviews?track=N: removes that track's mark (without track: the whole-video mark).</summary>
    private static async Task<IResult> UnmarkReviewedAsync(Guid id, int? track, ICurrentUser user, ReviewCommands reviews, CancellationToken cancellationToken) =>
        await reviews.UnmarkAsync(user, id, track, cancellationToken) ? Results.NoContent() : NoTimeline();

    private static async Task<IResult> Proxy(Guid id, HttpContext context, ICurrentUser user, VideoCatalog catalog, IMediaStore media, CancellationToken cancellationToken)
    {
        if (await catalog.GetAsync(user, id, cancellationToken) is null || media.Find(MediaKeys.VideoProxy(id)) is not { } proxy)
        {
            return Results.Problem(statusCode: 404, title: "No review video yet.");
        }

        // Range requests let the browser seek without downloading the whole file: the store's stream can seek.
        context.Response.Headers.ContentDisposition = $"inline; filename=\"video-{id:N}.mp4\"";
        return Results.Stream(media.OpenRead(proxy.Key), "video/mp4", lastModified: proxy.LastWriteTime, enableRangeProcessing: true);
    }

    private static async Task<IResult> KeyframeAsync(Guid id, int track, int segment, HttpContext context, ICurrentUser user, TimelineQueries queries, IMediaStore media, CancellationToken cancellationToken)
    {
        var key = await queries.KeyframeKeyAsync(user, id, track, segment, cancellationToken);
        if (key is null || media.Find(key) is not { } keyframe)
        {
            return Results.Problem(statusCode: 404, title: "No such keyframe.");
        }

        context.Response.Headers.ContentDisposition = $"inline; filename=\"keyframe-{id:N}-{track}-{segment}.png\"";
        return Results.Stream(media.OpenRead(keyframe.Key), "image/png", lastModified: keyframe.LastWriteTime);
    }

    private static async Task<IResult> CancelAsync(Guid id, ICurrentUser user, VideoCommands commands, CancellationToken cancellationToken) =>
        await commands.CancelAsync(user, id, cancellationToken) switch
        {
            CommandOutcome.Done => Results.Accepted($"/api/videos/{id}"),
            CommandOutcome.Conflict => Results.Problem(statusCode: 409, title: "The video has already finished processing."),
            _ => Results.Problem(statusCode: 404, title: "No such video."),
        };

    public sealed record ReprocessRequest(string? Model);

    private static async Task<IResult> ReprocessAsync(Guid id, [FromBody] ReprocessRequest? request, ICurrentUser user, VideoCommands commands, CancellationToken cancellationToken)
    {
        var (outcome, runId, error) = await commands.ReprocessAsync(user, id, request?.Model, cancellationToken);
        return outcome switch
        {
            CommandOutcome.Done => Results.Accepted($"/api/videos/{id}/timeline?run={runId}", new { runId }),
            CommandOutcome.Conflict => Results.Problem(statusCode: 409, title: "The video cannot be reprocessed now.", detail: error),
            _ => Results.Problem(statusCode: 404, title: "No such video."),
        };
    }

    private static IResult NoTimeline() => Results.Problem(statusCode: 404, title: "No timeline.", detail: "The video does not exist or has not been processed yet.");
}
