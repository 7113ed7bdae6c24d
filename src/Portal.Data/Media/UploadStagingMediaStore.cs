namespace Portal.Data.Media;

/// <summary>
/// The media store of Portal:Media:Store = S3: resumable uploads in progress (<see cref="MediaKeys.UploadsFolder"/>)
/// stay on the web machine's disk, everything else is in the bucket. A tus upload appends chunk after chunk, which an
/// object store cannot do without rewriting the object; on the local disk each chunk is an append. When the upload is
/// complete and becomes a video, <see cref="Move"/> carries it into the bucket (one upload of the whole file).
/// </summary>
public sealed class UploadStagingMediaStore(IMediaStore staging, IMediaStore bucket) : IMediaStore, IDisposable
{
    public Stream OpenWrite(string key) => StoreOf(key).OpenWrite(key);

    public Stream OpenRead(string key) => StoreOf(key).OpenRead(key);

    public Stream OpenAppend(string key) => StoreOf(key).OpenAppend(key);

    public void Truncate(string key, long length) => StoreOf(key).Truncate(key, length);

    public bool Exists(string key) => StoreOf(key).Exists(key);

    public MediaFile? Find(string key) => StoreOf(key).Find(key);

    public IReadOnlyList<MediaFile> List(string folder) => StoreOf(folder + "/").List(folder);

    public void Delete(string key) => StoreOf(key).Delete(key);

    public void DeleteFolder(string folder) => StoreOf(folder + "/").DeleteFolder(folder);

    public void Move(string fromKey, string toKey)
    {
        var from = StoreOf(fromKey);
        var to = StoreOf(toKey);
        if (ReferenceEquals(from, to))
        {
            from.Move(fromKey, toKey);
            return;
        }

        // From one store to the other (a finished upload into the bucket, or back when recording its video failed):
        // the file goes over whole before the old key is deleted, so it is never missing from both.
        CopyAcrossAsync().GetAwaiter().GetResult();
        from.Delete(fromKey);

        async Task CopyAcrossAsync()
        {
            await using var source = await from.LeaseForReadingAsync(fromKey, CancellationToken.None);
            await using var target = await to.LeaseForWritingAsync(toKey, CancellationToken.None);
            File.Copy(source.Path, target.Path, overwrite: true);
        }
    }

    public Task<ILocalFileLease> LeaseForReadingAsync(string key, CancellationToken cancellationToken) =>
        StoreOf(key).LeaseForReadingAsync(key, cancellationToken);

    public Task<ILocalFileLease> LeaseForWritingAsync(string key, CancellationToken cancellationToken) =>
        StoreOf(key).LeaseForWritingAsync(key, cancellationToken);

    public void Dispose() => (bucket as IDisposable)?.Dispose();

    private IMediaStore StoreOf(string key) =>
        key.StartsWith(MediaKeys.UploadsFolder + "/", StringComparison.Ordinal) ? staging : bucket;
}
