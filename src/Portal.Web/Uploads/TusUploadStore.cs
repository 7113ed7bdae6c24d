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

/// <summary>
/// Resumable uploads on disk, under the media root: <c>uploads/{id}/info.json</c> (owner, length, metadata) and
/// <c>uploads/{id}/data</c> (the bytes received so far). The data file's length is the upload's offset, so a
/// crash between a write and a bookkeeping step can never make the two disagree. One request at a time works on
/// an upload: <see cref="LockAsync"/> hands out a per-upload lease, and the data file is opened without sharing.
/// </summary>
public sealed class TusUploadStore(IMediaStore media, IOptions<UploadOptions> options, TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);

    public static string DataKey(string id) => $"uploads/{id}/data";

    private static string InfoKey(string id) => $"uploads/{id}/info.json";

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
    public async Task<TusUploadInfo?> FindAsync(string id, string ownerId)
    {
        if (!IsValidId(id) || !media.Exists(InfoKey(id)))
        {
            return null;
        }

        var info = await ReadInfoAsync(id);
        return info is not null && string.Equals(info.OwnerId, ownerId, StringComparison.Ordinal) ? info : null;
    }

    /// <summary>Bytes received so far; a completed (adopted) upload reports its full length.</summary>
    public long GetOffset(TusUploadInfo info)
    {
        if (info.VideoId is not null)
        {
            return info.Length;
        }

        var path = media.GetLocalPath(DataKey(info.Id));
        return File.Exists(path) ? new FileInfo(path).Length : 0;
    }

    /// <summary>When the upload will be deleted if nothing more arrives; null once it has become a video.</summary>
    public DateTimeOffset? GetExpiry(TusUploadInfo info) =>
        info.VideoId is null ? LastActivity(info.Id, info.CreatedAt) + options.Value.ResumableExpiry : null;

    /// <summary>
    /// Opens the data file to append, exclusively. Writes go to the end; <see cref="FileStream.SetLength"/> cuts a
    /// rejected chunk off again.
    /// </summary>
    public FileStream OpenAppend(TusUploadInfo info) =>
        new(media.GetLocalPath(DataKey(info.Id)), FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 1 << 16, useAsync: true);

    public Task MarkCompletedAsync(TusUploadInfo info, Guid videoId) => SaveAsync(info with { VideoId = videoId });

    /// <summary>Removes the upload's files (never the video a completed upload became).</summary>
    public void Delete(string id)
    {
        var directory = Path.GetDirectoryName(media.GetLocalPath(InfoKey(id)))!;
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

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
        var root = Path.GetDirectoryName(Path.GetDirectoryName(media.GetLocalPath(InfoKey(new string('0', 32))))!)!;
        if (!Directory.Exists(root))
        {
            return 0;
        }

        var now = clock.GetUtcNow();
        var deleted = 0;
        foreach (var directory in Directory.EnumerateDirectories(root))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var id = Path.GetFileName(directory);
            if (!IsValidId(id))
            {
                continue;
            }

            var info = media.Exists(InfoKey(id)) ? await ReadInfoAsync(id) : null;
            var created = info?.CreatedAt ?? new DateTimeOffset(Directory.GetCreationTimeUtc(directory), TimeSpan.Zero);
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

    private DateTimeOffset LastActivity(string id, DateTimeOffset createdAt)
    {
        var data = media.GetLocalPath(DataKey(id));
        if (!File.Exists(data))
        {
            return createdAt;
        }

        var written = new DateTimeOffset(File.GetLastWriteTimeUtc(data), TimeSpan.Zero);
        return written > createdAt ? written : createdAt;
    }

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
