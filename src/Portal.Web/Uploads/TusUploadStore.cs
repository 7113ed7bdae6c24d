using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Portal.Data.Media;
using Portal.Web.Videos;

namespace Portal.Web.Uploads;

/// <summary>What Portal remembers about one resumable upload (uploads/{id}/info.json).</summary>
public sealed record TusUploadInfo(
    string Id,
    string OwnerId,
    long Length,
    string FileName,
    string? FileType,
    IReadOnlyDictionary<string, string> Metadata,
    DateTimeOffset CreatedAt,
    Guid? VideoId = null);

/// <summary>An upload still receiving bytes, as the upload page and the admin console list it.</summary>
/// <param name="FileName">The name the client gave: display text only.</param>
/// <param name="Offset">Bytes received so far.</param>
/// <param name="ExpiresAt">When it is deleted if no more bytes arrive.</param>
public sealed record UnfinishedUpload(string Id, string OwnerId, string FileName, long Length, long Offset, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt);

/// <summary>
/// Resumable uploads in the media store: <c>uploads/{id}/info.json</c> (owner, length, metadata) and
/// <c>uploads/{id}/data</c> (the bytes received so far). The data file's length is the upload's offset, so a
/// crash between a write and a bookkeeping step can never make the two disagree. One request at a time works on
/// an upload: <see cref="LockAsync"/> hands out a per-upload lease.
/// </summary>
public sealed class TusUploadStore(IMediaStore media, IOptions<UploadOptions> options, TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);

    public static string DataKey(string id) => $"{Folder(id)}/data";

    private static string InfoKey(string id) => $"{Folder(id)}/info.json";

    private static string Folder(string id) => $"{MediaKeys.UploadsFolder}/{id}";

    /// <summary>Upload ids are ours (32 hex digits); anything else is not an upload and never reaches the disk.</summary>
    public static bool IsValidId(string id) => id.Length == 32 && id.All(char.IsAsciiHexDigitLower);

    public async Task<TusUploadInfo> CreateAsync(string ownerId, long length, string fileName, string? fileType, IReadOnlyDictionary<string, string> metadata)
    {
        var info = new TusUploadInfo(Guid.NewGuid().ToString("N"), ownerId, length, fileName, fileType, metadata, clock.GetUtcNow());
        await using (media.OpenWrite(DataKey(info.Id)))
        {
            // an empty data file: offset 0
        }

        await SaveAsync(info);
        return info;
    }

    /// <summary>The upload, or null when it does not exist or belongs to someone else (both look the same to a caller).</summary>
    /// <param name="ownerId">The caller's owner id; null only for an admin, who may act on anyone's upload.</param>
    public async Task<TusUploadInfo?> FindAsync(string id, string? ownerId)
    {
        if (!IsValidId(id) || !media.Exists(InfoKey(id)))
        {
            return null;
        }

        var info = await ReadInfoAsync(id);
        return info is not null && (ownerId is null || string.Equals(info.OwnerId, ownerId, StringComparison.Ordinal)) ? info : null;
    }

    /// <summary>
    /// Every upload still receiving bytes (not yet a video), of one owner or (<paramref name="ownerId"/> null) of all,
    /// oldest first: read from the media store, so every web process and browser sees the same list.
    /// </summary>
    public async Task<IReadOnlyList<UnfinishedUpload>> ListUnfinishedAsync(string? ownerId, CancellationToken cancellationToken)
    {
        var uploads = new List<UnfinishedUpload>();
        // uploads/{id}/... : the id is the second part of every key.
        foreach (var files in media.List(MediaKeys.UploadsFolder).GroupBy(file => file.Key.Split('/')[1], StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var id = files.Key;
            // Without its info file (a crash inside CreateAsync) an upload has no owner to show; the sweeper removes it.
            if (!IsValidId(id) || files.All(f => f.Key != InfoKey(id)) || await ReadInfoAsync(id) is not { VideoId: null } info)
            {
                continue;
            }

            if (ownerId is null || string.Equals(info.OwnerId, ownerId, StringComparison.Ordinal))
            {
                var data = files.FirstOrDefault(f => f.Key == DataKey(id));
                uploads.Add(new UnfinishedUpload(info.Id, info.OwnerId, info.FileName, info.Length, data?.Length ?? 0, info.CreatedAt,
                    LastActivity(info.CreatedAt, data?.LastWriteTime) + options.Value.ResumableExpiry));
            }
        }

        return [.. uploads.OrderBy(u => u.CreatedAt)];
    }

    /// <summary>Bytes received so far; a completed (adopted) upload reports its full length.</summary>
    public long GetOffset(TusUploadInfo info)
    {
        if (info.VideoId is not null)
        {
            return info.Length;
        }

        return media.Find(DataKey(info.Id))?.Length ?? 0;
    }

    /// <summary>When the upload will be deleted if nothing more arrives; null once it has become a video.</summary>
    public DateTimeOffset? GetExpiry(TusUploadInfo info) =>
        info.VideoId is null ? LastActivity(info.Id, info.CreatedAt) + options.Value.ResumableExpiry : null;

    /// <summary>Opens the data file to append (one request at a time: the caller holds <see cref="LockAsync"/>'s lease).</summary>
    public Stream OpenAppend(TusUploadInfo info) => media.OpenAppend(DataKey(info.Id));

    /// <summary>Cuts a rejected chunk off again: the data file goes back to <paramref name="offset"/> bytes.</summary>
    public void CutBack(TusUploadInfo info, long offset) => media.Truncate(DataKey(info.Id), offset);

    public Task MarkCompletedAsync(TusUploadInfo info, Guid videoId) => SaveAsync(info with { VideoId = videoId });

    /// <summary>Removes the upload's files (never the video a completed upload became).</summary>
    public void Delete(string id) => media.DeleteFolder(Folder(id));

    /// <summary>
    /// Waits for this upload's lease (one request at a time per upload). Null when another request still holds it
    /// after <paramref name="wait"/>: typically a PATCH whose connection dropped and whose server side has not yet noticed.
    /// </summary>
    public async Task<IDisposable?> LockAsync(string id, TimeSpan wait, CancellationToken cancellationToken = default)
    {
        var gate = _locks.GetOrAdd(id, _ => new SemaphoreSlim(1, 1));
        return await gate.WaitAsync(wait, cancellationToken) ? new Lease(gate) : null;
    }

    /// <summary>
    /// Deletes uploads that have had no new bytes for <see cref="UploadOptions.ResumableExpiry"/> (completed ones
    /// included: their video lives on elsewhere), skipping any that a request is working on. Returns how many went.
    /// </summary>
    public async Task<int> DeleteExpiredAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var deleted = 0;
        // uploads/{id}/... : the id is the second part of every key.
        foreach (var upload in media.List(MediaKeys.UploadsFolder).GroupBy(file => file.Key.Split('/')[1], StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var id = upload.Key;
            if (!IsValidId(id))
            {
                continue;
            }

            var info = media.Exists(InfoKey(id)) ? await ReadInfoAsync(id) : null;
            // Without its info file (a crash between the two writes of CreateAsync) the upload's oldest file dates it.
            var created = info?.CreatedAt ?? upload.Min(file => file.LastWriteTime);
            if (LastActivity(id, created) + options.Value.ResumableExpiry > now)
            {
                continue;
            }

            using var lease = await LockAsync(id, TimeSpan.Zero, cancellationToken);
            if (lease is null)
            {
                continue;
            }

            Delete(id);
            deleted++;
        }

        return deleted;
    }

    private DateTimeOffset LastActivity(string id, DateTimeOffset createdAt) => LastActivity(createdAt, media.Find(DataKey(id))?.LastWriteTime);

    private static DateTimeOffset LastActivity(DateTimeOffset createdAt, DateTimeOffset? written) => written > createdAt ? written.Value : createdAt;

    private async Task<TusUploadInfo?> ReadInfoAsync(string id)
    {
        try
        {
            await using var stream = media.OpenRead(InfoKey(id));
            return await JsonSerializer.DeserializeAsync<TusUploadInfo>(stream, Json);
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            return null;
        }
    }

    // Written beside and renamed over, so a reader never sees half a file.
    private async Task SaveAsync(TusUploadInfo info)
    {
        var temporaryKey = InfoKey(info.Id) + ".tmp";
        await using (var stream = media.OpenWrite(temporaryKey))
        {
            await JsonSerializer.SerializeAsync(stream, info, Json);
        }

        media.Move(temporaryKey, InfoKey(info.Id));
    }

    private sealed class Lease(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
