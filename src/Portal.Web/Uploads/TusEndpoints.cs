using System.Security.Cryptography;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Portal.Web.Accounts;
using Portal.Web.Videos;
using static Portal.Web.Uploads.TusProtocol;

namespace Portal.Web.Uploads;

/// <summary>
/// A tus 1.0.0 server at <c>/api/uploads</c>: creation (with upload), HEAD, PATCH, termination, checksum and
/// expiration. Bodies are streamed straight to the upload's data file; when the last byte arrives the upload
/// becomes a video through <see cref="VideoIntake"/> and the response carries its id in <c>Portal-Video-Id</c>.
/// </summary>
public static class TusEndpoints
{
    /// <summary>How long a request waits for another request on the same upload to finish.</summary>
    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(5);

    public static IEndpointRouteBuilder MapTusUploads(this IEndpointRouteBuilder app)
    {
        var uploads = app.MapGroup("/api/uploads").WithTags("Uploads").DisableAntiforgery().AddEndpointFilter(TusHeadersAsync);
        uploads.MapMethods("/", [HttpMethods.Options], Options).ExcludeFromDescription();
        uploads.MapMethods("/{id}", [HttpMethods.Options], Options).ExcludeFromDescription();
        uploads.MapPost("/", CreateAsync).WithName("CreateUpload");
        uploads.MapMethods("/{id}", [HttpMethods.Head], HeadAsync).WithName("GetUploadOffset");
        uploads.MapPatch("/{id}", PatchAsync).WithName("AppendToUpload");
        uploads.MapDelete("/{id}", DeleteAsync).WithName("TerminateUpload");
        // Not a tus request (no Tus-Resumable needed): the caller's own unfinished uploads, as the server has them.
        app.MapGroup("/api/uploads").WithTags("Uploads").MapGet("/", ListUnfinishedAsync).WithName("ListUnfinishedUploads");
        return app;
    }

    private static async Task<IResult> ListUnfinishedAsync(ICurrentUser user, UnfinishedUploads uploads, CancellationToken cancellationToken) =>
        Results.Ok(await uploads.ListAsync(user, everyone: false, cancellationToken));

    // Every tus response says which version it speaks and is never cached; every request but OPTIONS must speak 1.0.0.
    private static async ValueTask<object?> TusHeadersAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var http = invocation.HttpContext;
        http.Response.Headers[TusResumable] = ProtocolVersion;
        http.Response.Headers.CacheControl = "no-store";
        // Refusals here are answers to a tus client, not pages for a person: no re-execution into the not-found page.
        if (http.Features.Get<IStatusCodePagesFeature>() is { } statusCodePages)
        {
            statusCodePages.Enabled = false;
        }

        if (!HttpMethods.IsOptions(http.Request.Method) && http.Request.Headers[TusResumable] != ProtocolVersion)
        {
            http.Response.Headers[TusVersion] = ProtocolVersion;
            return Problem(StatusCodes.Status412PreconditionFailed, "Unsupported tus version.",
                $"Send the header Tus-Resumable: {ProtocolVersion}; it is the only version this server speaks.");
        }

        return await next(invocation);
    }

    private static IResult Options(HttpContext http, IOptions<UploadOptions> options)
    {
        var headers = http.Response.Headers;
        headers[TusVersion] = ProtocolVersion;
        headers[TusExtension] = Extensions;
        headers[TusMaxSize] = options.Value.MaxBytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
        headers[TusChecksumAlgorithm] = ChecksumAlgorithms;
        return Results.NoContent();
    }

    private static async Task<IResult> CreateAsync(
        HttpContext http, ICurrentUser user, TusUploadStore store, VideoIntake intake, IOptions<UploadOptions> options, ILoggerFactory loggers)
    {
        var request = http.Request;
        var maxBytes = options.Value.MaxBytes;
        if (request.Headers.ContainsKey(UploadDeferLength))
        {
            return Problem(StatusCodes.Status400BadRequest, "The upload was not accepted.",
                "Send the file's size in Upload-Length: uploads of unknown length (Upload-Defer-Length) are not supported.");
        }

        if (!TryParseSize(request.Headers[UploadLength], out var length))
        {
            return Problem(StatusCodes.Status400BadRequest, "The upload was not accepted.",
                "Upload-Length is missing or is not a whole number of bytes.");
        }

        if (length > maxBytes)
        {
            // Just over the limit both round to the same size; then bytes say it.
            var (size, limit) = UploadOptions.FormatSize(length) == UploadOptions.FormatSize(maxBytes)
                ? ($"{length} bytes", $"{maxBytes} bytes ({UploadOptions.FormatSize(maxBytes)})")
                : (UploadOptions.FormatSize(length), UploadOptions.FormatSize(maxBytes));
            return Problem(StatusCodes.Status413PayloadTooLarge, "The file is too large.", $"The file is {size}; the limit is {limit}.");
        }

        if (TryParseMetadata(request.Headers[UploadMetadata], out var metadata) is { } metadataError)
        {
            return Problem(StatusCodes.Status400BadRequest, "The upload was not accepted.", metadataError);
        }

        var fileName = VideoIntake.CleanFileName(metadata.GetValueOrDefault("filename") ?? metadata.GetValueOrDefault("name"));
        var fileType = metadata.GetValueOrDefault("filetype") ?? metadata.GetValueOrDefault("type");
        if (!UploadTypes.IsAccepted(fileName, fileType))
        {
            return Problem(StatusCodes.Status415UnsupportedMediaType, "This kind of file is not accepted.", UploadTypes.Refusal(fileName, fileType));
        }

        var info = await store.CreateAsync(user.OwnerId, length, fileName, fileType, metadata);
        http.Response.Headers.Location = $"/api/uploads/{info.Id}";
        using var lease = await store.LockAsync(info.Id, LockWait);

        // creation-with-upload: the first chunk may come in the creation request itself.
        if (IsOffsetStream(request.ContentType) || length == 0)
        {
            if (await WriteAsync(http, store, intake, info, 0, loggers) is { } refusal)
            {
                return refusal;
            }
        }
        else
        {
            SetOffsetHeaders(http, store, info);
        }

        return Results.StatusCode(StatusCodes.Status201Created);
    }

    private static async Task<IResult> HeadAsync(string id, HttpContext http, ICurrentUser user, TusUploadStore store)
    {
        using var lease = await store.LockAsync(id, LockWait, http.RequestAborted);
        if (lease is null)
        {
            return Busy();
        }

        if (await store.FindAsync(id, user.OwnerId) is not { } info)
        {
            return NotFound();
        }

        http.Response.Headers[UploadLength] = info.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (info.Metadata.Count > 0)
        {
            http.Response.Headers[UploadMetadata] = string.Join(',', info.Metadata.Select(m =>
                m.Value.Length == 0 ? m.Key : $"{m.Key} {Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(m.Value))}"));
        }

        SetOffsetHeaders(http, store, info);
        return Results.Ok();
    }

    private static async Task<IResult> PatchAsync(string id, HttpContext http, ICurrentUser user, TusUploadStore store, VideoIntake intake, ILoggerFactory loggers)
    {
        using var lease = await store.LockAsync(id, LockWait, http.RequestAborted);
        if (lease is null)
        {
            return Busy();
        }

        if (await store.FindAsync(id, user.OwnerId) is not { } info)
        {
            return NotFound();
        }

        if (!IsOffsetStream(http.Request.ContentType))
        {
            return Problem(StatusCodes.Status415UnsupportedMediaType, "The chunk was not accepted.",
                $"Send the bytes with Content-Type: {OffsetContentType}.");
        }

        if (!TryParseSize(http.Request.Headers[UploadOffset], out var offset))
        {
            return Problem(StatusCodes.Status400BadRequest, "The chunk was not accepted.",
                "Upload-Offset is missing or is not a whole number of bytes.");
        }

        var current = store.GetOffset(info);
        if (offset != current)
        {
            return Problem(StatusCodes.Status409Conflict, "The offset does not match.",
                $"The upload holds {current} bytes, but the chunk says it starts at byte {offset}: ask with HEAD and continue from there.");
        }

        return await WriteAsync(http, store, intake, info, offset, loggers) ?? Results.NoContent();
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext http, ICurrentUser user, TusUploadStore store)
    {
        using var lease = await store.LockAsync(id, LockWait, http.RequestAborted);
        if (lease is null)
        {
            return Busy();
        }

        if (await store.FindAsync(id, user.OwnerId) is not { } info)
        {
            return NotFound();
        }

        store.Delete(info.Id);
        return Results.NoContent();
    }

    /// <summary>
    /// Appends the request body at <paramref name="offset"/> and, if that was the last byte, hands the file to the
    /// video intake. Returns a refusal, or null after setting the offset headers of a success. Bytes that arrived
    /// before a dropped connection are kept (the client resumes after them), unless a checksum was sent: a chunk
    /// that cannot be verified is discarded whole, as is one whose checksum does not match.
    /// </summary>
    private static async Task<IResult?> WriteAsync(HttpContext http, TusUploadStore store, VideoIntake intake, TusUploadInfo info, long offset, ILoggerFactory loggers)
    {
        var request = http.Request;
        HashAlgorithmName algorithm = default;
        byte[]? expected = null;
        if (request.Headers[UploadChecksum].ToString() is { Length: > 0 } checksumHeader)
        {
            if (TryParseChecksum(checksumHeader, out algorithm, out var digest) is { } checksumError)
            {
                return Problem(StatusCodes.Status400BadRequest, "The chunk was not accepted.", checksumError);
            }

            expected = digest;
        }

        var remaining = info.Length - offset;
        if (request.ContentLength > remaining)
        {
            return Problem(StatusCodes.Status413PayloadTooLarge, "The chunk is too large.",
                $"The chunk has {request.ContentLength} bytes but only {remaining} remain of the {info.Length} announced in Upload-Length.");
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = remaining;
        }

        var logger = loggers.CreateLogger(typeof(TusEndpoints));
        bool tooLong = false, dropped = false;
        byte[]? actual = null;
        await using (var data = store.OpenAppend(info))
        {
            using var hash = expected is null ? null : IncrementalHash.CreateHash(algorithm);
            var buffer = new byte[1 << 16];
            long received = 0;
            try
            {
                int read;
                while ((read = await request.Body.ReadAsync(buffer, http.RequestAborted)) > 0)
                {
                    received += read;
                    if (received > remaining)
                    {
                        tooLong = true;
                        break;
                    }

                    hash?.AppendData(buffer, 0, read);
                    // Not the request's token: bytes that did arrive are written even if the connection has just dropped.
                    await data.WriteAsync(buffer.AsMemory(0, read), CancellationToken.None);
                }
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                tooLong = true;
            }
            catch (Exception e) when (e is IOException or BadHttpRequestException or OperationCanceledException)
            {
                dropped = true;
                logger.LogInformation("Upload {UploadId}: the connection dropped after {Bytes} bytes of a chunk.", info.Id, received);
            }

            await data.FlushAsync(CancellationToken.None);
            actual = hash?.GetHashAndReset();
            var rejectChecksum = expected is not null && (dropped || !CryptographicOperations.FixedTimeEquals(actual!, expected));
            if (tooLong || rejectChecksum)
            {
                await data.DisposeAsync();
                store.CutBack(info, offset);
            }

            if (tooLong)
            {
                return Problem(StatusCodes.Status413PayloadTooLarge, "The chunk is too large.",
                    $"The upload would grow past the {info.Length} bytes announced in Upload-Length; the chunk was discarded.");
            }

            if (dropped)
            {
                return Results.Empty;
            }

            if (rejectChecksum)
            {
                return Problem(ChecksumMismatch, "The checksum does not match.",
                    $"The {algorithm.Name} digest of the {received} bytes received differs from Upload-Checksum; the chunk was discarded: send it again.");
            }
        }

        if (store.GetOffset(info) == info.Length && info.VideoId is null)
        {
            var video = await intake.AdoptAsync(info.OwnerId, info.FileName, TusUploadStore.DataKey(info.Id), CancellationToken.None);
            info = info with { VideoId = video.Id };
            await store.MarkCompletedAsync(info, video.Id);
            logger.LogInformation("Upload {UploadId} is complete: video {VideoId}.", info.Id, video.Id);
        }

        SetOffsetHeaders(http, store, info);
        return null;
    }

    private static void SetOffsetHeaders(HttpContext http, TusUploadStore store, TusUploadInfo info)
    {
        var headers = http.Response.Headers;
        headers[UploadOffset] = store.GetOffset(info).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (store.GetExpiry(info) is { } expires)
        {
            headers[UploadExpires] = expires.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        }

        if (info.VideoId is { } videoId)
        {
            headers[VideoId] = videoId.ToString();
        }
    }

    private static bool IsOffsetStream(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var type) &&
        type.MediaType.Equals(OffsetContentType, StringComparison.OrdinalIgnoreCase);

    private static IResult NotFound() =>
        Problem(StatusCodes.Status404NotFound, "No such upload.", "This upload does not exist: it was terminated, it expired, or it never existed. Start a new upload.");

    private static IResult Busy() =>
        Problem(StatusCodes.Status423Locked, "The upload is busy.", "Another request is still writing to this upload; try again in a moment.");


    private static IResult Problem(int status, string title, string detail) =>
        Results.Problem(statusCode: status, title: title, detail: detail);
}
