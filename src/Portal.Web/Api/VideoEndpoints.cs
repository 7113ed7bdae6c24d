using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Portal.Jobs.Monitoring;
using Portal.Web.Accounts;
using Portal.Web.Videos;

namespace Portal.Web.Api;

public static class VideoEndpoints
{
    /// <summary>Multipart framing and headers on top of the file itself.</summary>
    private const long MultipartOverheadBytes = 1024 * 1024;

    public static IEndpointRouteBuilder MapVideoApi(this IEndpointRouteBuilder app)
    {
        var videos = app.MapGroup("/api/videos").WithTags("Videos");
        videos.MapPost("/", UploadAsync).DisableAntiforgery().WithName("UploadVideo");
        videos.MapGet("/", ListAsync).WithName("ListVideos");
        videos.MapGet("/labels", LabelsAsync).WithName("ListVideoLabels");
        videos.MapGet("/{id:guid}", GetAsync).WithName("GetVideo");
        videos.MapGet("/{id:guid}/timings", TimingsAsync).WithName("GetVideoTimings");
        videos.MapDelete("/{id:guid}", DeleteAsync).DisableAntiforgery().WithName("DeleteVideo");
        return app;
    }

    /// <summary>
    /// GET /api/videos?status=&amp;label=&amp;q=&amp;limit=&amp;offset=: the matching videos, newest first, one page of them;
    /// X-Total-Count says how many match in all.
    /// </summary>
    private static async Task<IResult> ListAsync(
        string? status, string? label, string? q, int? limit, int? offset, HttpContext context, ICurrentUser user, VideoCatalog catalog, CancellationToken cancellationToken)
    {
        VideoStatus? wanted = null;
        if (!string.IsNullOrEmpty(status))
        {
            if (!Enum.TryParse<VideoStatus>(status, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed))
            {
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Unknown status.",
                    detail: $"status is one of {string.Join(", ", Enum.GetNames<VideoStatus>())}.");
            }

            wanted = parsed;
        }

        if (limit is < 1 or > VideoQuery.MaxLimit || offset is < 0)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad page.",
                detail: $"Use 1 <= limit <= {VideoQuery.MaxLimit} and offset >= 0.");
        }

        var page = await catalog.QueryAsync(user, new VideoQuery(wanted, label, q, offset ?? 0, limit ?? VideoQuery.DefaultLimit), cancellationToken);
        context.Response.Headers["X-Total-Count"] = page.Total.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Results.Ok(page.Videos);
    }

    private static async Task<IResult> LabelsAsync(ICurrentUser user, VideoCatalog catalog, CancellationToken cancellationToken) =>
        Results.Ok(await catalog.LabelsAsync(user, cancellationToken));

    private static async Task<IResult> DeleteAsync(Guid id, ICurrentUser user, VideoCommands commands, CancellationToken cancellationToken) =>
        await commands.DeleteAsync(user, id, cancellationToken) == CommandOutcome.Done
            ? Results.NoContent()
            : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such video.");

    private static async Task<IResult> GetAsync(Guid id, ICurrentUser user, VideoCatalog catalog, CancellationToken cancellationToken) =>
        await catalog.GetAsync(user, id, cancellationToken) is { } video
            ? Results.Ok(video)
            : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such video.");

    /// <summary>GET /api/videos/{id}/timings: where the current run's time went, stage by stage (the owner's or an admin's).</summary>
    private static async Task<IResult> TimingsAsync(Guid id, ICurrentUser user, VideoCatalog catalog, QueueMonitor monitor, CancellationToken cancellationToken) =>
        await catalog.GetAsync(user, id, cancellationToken) is not null && await monitor.VideoTimingsAsync(id, cancellationToken) is { } timings
            ? Results.Ok(timings)
            : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such video.");

    /// <summary>
    /// POST /api/videos, multipart/form-data with the file in field <c>file</c>. The body is read section by section
    /// and the file streamed to the media store: no buffering of the file in memory or in a temp file.
    /// </summary>
    private static async Task<IResult> UploadAsync(HttpContext context, ICurrentUser user, VideoIntake intake, IOptions<UploadOptions> options, CancellationToken cancellationToken)
    {
        var maxBytes = options.Value.MaxBytes;
        var request = context.Request;
        if (request.ContentLength > maxBytes + MultipartOverheadBytes)
        {
            return TooLarge(maxBytes);
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = maxBytes + MultipartOverheadBytes;
        }

        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType) ||
            !contentType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return BadRequest("Send the video as multipart/form-data with the file in the field 'file'.");
        }

        var boundary = HeaderUtilities.RemoveQuotes(contentType.Boundary).Value;
        if (string.IsNullOrEmpty(boundary))
        {
            return BadRequest("The multipart body has no boundary.");
        }

        var reader = new MultipartReader(boundary, request.Body);
        try
        {
            while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) ||
                    !disposition.DispositionType.Equals("form-data") ||
                    !string.Equals(disposition.Name.Value, "file", StringComparison.Ordinal))
                {
                    continue;
                }

                var fileName = disposition.FileNameStar.Value ?? disposition.FileName.Value ?? "upload";
                var video = await intake.AcceptAsync(user.OwnerId, HeaderUtilities.RemoveQuotes(fileName).Value ?? "upload", section.Body, maxBytes, cancellationToken);
                return Results.Created($"/api/videos/{video.Id}", video);
            }
        }
        catch (UploadTooLargeException)
        {
            return TooLarge(maxBytes);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(maxBytes);
        }
        catch (InvalidDataException e)
        {
            return BadRequest($"The multipart body is malformed: {e.Message}");
        }

        return BadRequest("No file: send the video in the multipart field 'file'.");
    }

    private static IResult BadRequest(string detail) =>
        Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The upload was not accepted.", detail: detail);

    private static IResult TooLarge(long maxBytes) =>
        Results.Problem(
            statusCode: StatusCodes.Status413PayloadTooLarge,
            title: "The file is too large.",
            detail: $"The limit is {UploadOptions.FormatSize(maxBytes)}.");
}
