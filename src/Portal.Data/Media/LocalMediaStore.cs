using Microsoft.Extensions.Options;

namespace Portal.Data.Media;

/// <summary>Which <see cref="IMediaStore"/> holds the media files (Portal:Media:Store).</summary>
public enum MediaStoreKind
{
    /// <summary>Files under <see cref="MediaOptions.Root"/> (a shared mount when workers run on several machines).</summary>
    Local,

    /// <summary>Objects in an S3-compatible bucket (<see cref="MediaOptions.S3"/>); uploads in progress stay under Root.</summary>
    S3,
}

public sealed class MediaOptions
{
    public const string SectionName = "Portal:Media";

    public MediaStoreKind Store { get; set; } = MediaStoreKind.Local;

    /// <summary>
    /// Directory that holds every media file of the local store; with S3, the resumable uploads in progress and the
    /// scratch copies of files being written or read by ffmpeg. `./portal run` sets it to $PORTAL_DATA/media.
    /// </summary>
    public string Root { get; set; } = "";

    public S3MediaOptions S3 { get; set; } = new();

    /// <summary>
    /// A deleted video's folders are deleted at once and once more this long after: a stage of its canceled run may
    /// still finish a write (the proxy's rename, a keyframe) in the seconds before it notices the cancel.
    /// </summary>
    public TimeSpan DeleteAgainAfter { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>Media files under one directory on the local disk (or a shared mount for several workers).</summary>
public sealed class LocalMediaStore : IMediaStore
{
    private readonly string _root;

    public LocalMediaStore(IOptions<MediaOptions> options)
    {
        var root = options.Value.Root;
        if (string.IsNullOrWhiteSpace(root))
        {
            throw new InvalidOperationException("Portal:Media:Root is not set: set Portal__Media__Root to a writable directory (./portal run does this for you).");
        }

        _root = Path.GetFullPath(root);
        Directory.CreateDirectory(_root);
    }

    public Stream OpenWrite(string key)
    {
        var path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 16, useAsync: true);
    }

    public Stream OpenRead(string key)
    {
        var path = PathOf(key);
        // A missing folder would otherwise throw DirectoryNotFoundException: a missing key is a missing file.
        return File.Exists(path)
            ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, useAsync: true)
            : throw Missing(key);
    }

    public Stream OpenAppend(string key)
    {
        var path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 1 << 16, useAsync: true);
    }

    public void Truncate(string key, long length)
    {
        using var file = new FileStream(PathOf(key), FileMode.Open, FileAccess.Write, FileShare.Read);
        file.SetLength(Math.Min(length, file.Length));
    }

    public bool Exists(string key) => File.Exists(PathOf(key));

    public MediaFile? Find(string key)
    {
        var file = new FileInfo(PathOf(key));
        return file.Exists ? Describe(key, file) : null;
    }

    public IReadOnlyList<MediaFile> List(string folder)
    {
        var directory = new DirectoryInfo(PathOf(folder));
        if (!directory.Exists)
        {
            return [];
        }

        return directory.EnumerateFiles("*", SearchOption.AllDirectories)
            .Select(file => Describe(Path.GetRelativePath(_root, file.FullName).Replace(Path.DirectorySeparatorChar, '/'), file))
            .ToList();
    }

    public void Delete(string key)
    {
        var path = PathOf(key);
        if (File.Exists(path))
        {
            File.Delete(path);
        }
    }

    public void Move(string fromKey, string toKey)
    {
        var to = PathOf(toKey);
        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        File.Move(PathOf(fromKey), to, overwrite: true);
    }

    public void DeleteFolder(string folder)
    {
        var path = PathOf(folder);
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }

    // On the local disk a lease is the file itself: nothing to download before nor to upload after.
    public Task<ILocalFileLease> LeaseForReadingAsync(string key, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        return File.Exists(path)
            ? Task.FromResult<ILocalFileLease>(new FileItself(path))
            : Task.FromException<ILocalFileLease>(Missing(key));
    }

    public Task<ILocalFileLease> LeaseForWritingAsync(string key, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return Task.FromResult<ILocalFileLease>(new FileItself(path));
    }

    private string PathOf(string key)
    {
        var path = Path.GetFullPath(Path.Combine(_root, key));
        // Keys are generated by Portal, but a key that escapes the root would be a bug worth failing loudly on.
        if (!path.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Media key '{key}' points outside the media root.", nameof(key));
        }

        return path;
    }

    private static FileNotFoundException Missing(string key) => new($"Media file '{key}' is missing.", key);

    private static MediaFile Describe(string key, FileInfo file) => new(key, file.Length, new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero));

    private sealed record FileItself(string Path) : ILocalFileLease
    {
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
