using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Portal.Data.Media;
using Portal.Jobs.Pipeline;

namespace Portal.Web.Videos;

/// <summary>The upload is larger than <see cref="UploadOptions.MaxBytes"/>.</summary>
public sealed class UploadTooLargeException(long maxBytes)
    : Exception($"The file is larger than the limit of {UploadOptions.FormatSize(maxBytes)}.");

/// <summary>
/// Takes an uploaded file in: streams it to the media store (hashing it on the way), records the video and starts
/// its processing. Nothing is held in memory beyond one copy buffer.
/// </summary>
public sealed class VideoIntake(
    IDbContextFactory<PortalDbContext> dbFactory,
    IMediaStore media,
    IVideoPipeline pipeline,
    TimeProvider clock)
{
    public async Task<VideoDto> AcceptAsync(string ownerId, string originalFileName, Stream content, long maxBytes, CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7();
        var key = MediaKeys.VideoSource(id);
        long size = 0;
        string sha256;
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await using (var target = media.OpenWrite(key))
            {
                var buffer = new byte[81920];
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    size += read;
                    if (size > maxBytes)
                    {
                        throw new UploadTooLargeException(maxBytes);
                    }

                    hash.AppendData(buffer, 0, read);
                    await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
            }

            sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
        }
        catch
        {
            // A partial file has no video row pointing at it; remove it so the media root holds no orphans.
            media.Delete(key);
            throw;
        }

        var video = Video.Create(id, ownerId, CleanFileName(originalFileName), key, size, sha256, clock.GetUtcNow());
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            db.Videos.Add(video);
            await db.SaveChangesAsync(CancellationToken.None);
        }

        pipeline.Start(id);
        return VideoDto.From(video);
    }

    /// <summary>
    /// Takes in a file that is already complete in the media store (a finished resumable upload): hashes it, moves it
    /// to a generated video key, records the video and starts its processing. If recording fails the file is moved
    /// back, so the caller can try again.
    /// </summary>
    public async Task<VideoDto> AdoptAsync(string ownerId, string originalFileName, string completedKey, CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7();
        var key = MediaKeys.VideoSource(id);
        long size = 0;
        using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        {
            await using (var source = media.OpenRead(completedKey))
            {
                var buffer = new byte[1 << 16];
                int read;
                while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    size += read;
                    hash.AppendData(buffer, 0, read);
                }
            }

            var sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
            media.Move(completedKey, key);
            var video = Video.Create(id, ownerId, CleanFileName(originalFileName), key, size, sha256, clock.GetUtcNow());
            try
            {
                await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
                db.Videos.Add(video);
                await db.SaveChangesAsync(CancellationToken.None);
            }
            catch
            {
                media.Move(key, completedKey);
                throw;
            }

            pipeline.Start(id);
            return VideoDto.From(video);
        }
    }

    /// <summary>The last path segment of what the browser sent, trimmed to fit; it is only ever displayed.</summary>
    internal static string CleanFileName(string? name)
    {
        var clean = Path.GetFileName((name ?? "").Replace('\\', '/')).Trim();
        clean = new string(clean.Where(c => !char.IsControl(c)).ToArray());
        if (clean.Length == 0)
        {
            clean = "upload";
        }

        return clean.Length <= 255 ? clean : clean[..255];
    }
}
