using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Options;

namespace Portal.Data.Media;

/// <summary>Where an S3-compatible object store is and how to talk to it (Portal:Media:S3).</summary>
public sealed class S3MediaOptions
{
    /// <summary>The server's base address, e.g. https://s3.eu-central-1.amazonaws.com or http://minio:9000.</summary>
    public string ServiceUrl { get; set; } = "";

    public string Bucket { get; set; } = "";

    public string AccessKey { get; set; } = "";

    public string SecretKey { get; set; } = "";

    /// <summary>The region requests are signed for; most servers other than AWS accept any.</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>Bucket in the path (http://host/bucket/key) rather than the host name: what MinIO, Ceph and s3rver expect.</summary>
    public bool ForcePathStyle { get; set; } = true;

    /// <summary>A file larger than this is uploaded in parts of this size (S3's smallest part is 5 MiB).</summary>
    public long PartSizeBytes { get; set; } = 64L << 20;
}

/// <summary>
/// Media files as objects in one bucket of an S3-compatible store, the key of a file being its object key. The
/// <see cref="IMediaStore"/> members that are synchronous wait for the SDK's asynchronous calls (AWSSDK has no other
/// kind on .NET): ASP.NET Core and Hangfire have no synchronization context to deadlock on.
/// Files being written (and leased copies) live in a scratch folder under Portal:Media:Root until uploaded.
/// S3 has no append: <see cref="OpenAppend"/> and <see cref="Truncate"/> rewrite the whole object, which suits small
/// files only; resumable uploads, which append chunk by chunk, stay on the local disk (<see cref="UploadStagingMediaStore"/>).
/// </summary>
public sealed class S3MediaStore : IMediaStore, IDisposable
{
    private readonly AmazonS3Client _s3;
    private readonly long _partSize;
    private readonly string _bucket;
    private readonly string _scratch;

    public S3MediaStore(IOptions<MediaOptions> options)
    {
        var media = options.Value;
        var s3 = media.S3;
        if (string.IsNullOrWhiteSpace(s3.ServiceUrl) || string.IsNullOrWhiteSpace(s3.Bucket))
        {
            throw new InvalidOperationException("Portal:Media:Store is S3 but Portal:Media:S3:ServiceUrl or Portal:Media:S3:Bucket is not set: set Portal__Media__S3__ServiceUrl and Portal__Media__S3__Bucket.");
        }

        _s3 = new AmazonS3Client(new BasicAWSCredentials(s3.AccessKey, s3.SecretKey), new AmazonS3Config
        {
            ServiceURL = s3.ServiceUrl,
            ForcePathStyle = s3.ForcePathStyle,
            AuthenticationRegion = s3.Region,
            // SDK 4 adds CRC checksums (and chunked trailers) to every request by default; S3-compatible servers other
            // than AWS's do not all understand them, and HTTPS already protects the bytes in transit.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        });
        _partSize = Math.Max(s3.PartSizeBytes, 5L << 20);
        _bucket = s3.Bucket;
        _scratch = Path.Combine(Path.GetFullPath(media.Root), ".s3-scratch");
        Directory.CreateDirectory(_scratch);
    }

    public Stream OpenWrite(string key)
    {
        var lease = new UploadOnDispose(this, key);
        return new LeasedFileStream(new FileStream(lease.Path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true), lease);
    }

    public Stream OpenRead(string key) =>
        Find(key) is { } file ? new RangeReadStream(this, key, file.Length) : throw Missing(key);

    public Stream OpenAppend(string key)
    {
        var lease = new UploadOnDispose(this, key);
        if (Exists(key))
        {
            Wait(DownloadAsync(key, lease.Path, range: null, CancellationToken.None));
        }

        return new LeasedFileStream(new FileStream(lease.Path, FileMode.Append, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true), lease);
    }

    public void Truncate(string key, long length)
    {
        var file = Find(key) ?? throw Missing(key);
        if (length >= file.Length)
        {
            return;
        }

        Wait(RewriteAsync());

        async Task RewriteAsync()
        {
            await using var lease = new UploadOnDispose(this, key);
            if (length == 0)
            {
                await File.WriteAllBytesAsync(lease.Path, []);
            }
            else
            {
                await DownloadAsync(key, lease.Path, new ByteRange(0, length - 1), CancellationToken.None);
            }
        }
    }

    public bool Exists(string key) => Find(key) is not null;

    public MediaFile? Find(string key)
    {
        try
        {
            var head = Wait(_s3.GetObjectMetadataAsync(_bucket, Checked(key)));
            return new MediaFile(key, head.ContentLength, Utc(head.LastModified));
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public IReadOnlyList<MediaFile> List(string folder) =>
        Wait(ListAsync(folder)).Select(o => new MediaFile(o.Key, o.Size ?? 0, Utc(o.LastModified))).ToList();

    public void Delete(string key) => Wait(_s3.DeleteObjectAsync(_bucket, Checked(key)));

    public void DeleteFolder(string folder)
    {
        // DeleteObjects takes at most 1000 keys a request.
        foreach (var batch in Wait(ListAsync(folder)).Chunk(1000))
        {
            Wait(_s3.DeleteObjectsAsync(new DeleteObjectsRequest
            {
                BucketName = _bucket,
                Objects = batch.Select(o => new KeyVersion { Key = o.Key }).ToList(),
                Quiet = true,
            }));
        }
    }

    // A copy and a delete: the new key gets the whole object at once (an S3 write is atomic), but for a moment the
    // file has both keys. Single-request copies stop at 5 GB, past every upload limit Portal sets.
    public void Move(string fromKey, string toKey)
    {
        try
        {
            Wait(_s3.CopyObjectAsync(_bucket, Checked(fromKey), _bucket, Checked(toKey)));
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            throw Missing(fromKey);
        }

        Delete(fromKey);
    }

    public async Task<ILocalFileLease> LeaseForReadingAsync(string key, CancellationToken cancellationToken)
    {
        var copy = new DeleteOnDispose(ScratchPath(key));
        try
        {
            await DownloadAsync(key, copy.Path, range: null, cancellationToken);
            return copy;
        }
        catch
        {
            await copy.DisposeAsync();
            throw;
        }
    }

    public Task<ILocalFileLease> LeaseForWritingAsync(string key, CancellationToken cancellationToken) =>
        Task.FromResult<ILocalFileLease>(new UploadOnDispose(this, key));

    public void Dispose()
    {
        _s3.Dispose();
    }

    private async Task DownloadAsync(string key, string path, ByteRange? range, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _s3.GetObjectAsync(new GetObjectRequest { BucketName = _bucket, Key = Checked(key), ByteRange = range }, cancellationToken);
            await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            await response.ResponseStream.CopyToAsync(file, cancellationToken);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            throw Missing(key);
        }
    }

    // The SDK would send the body aws-chunked over plain HTTP; s3rver and some other S3-compatible servers store such a
    // body with its chunk headers in it. Without chunk encoding the SDK hashes the file before sending it.
    private async Task UploadAsync(string path, string key)
    {
        var length = new FileInfo(path).Length;
        if (length <= _partSize)
        {
            await _s3.PutObjectAsync(new PutObjectRequest { BucketName = _bucket, Key = key, FilePath = path, UseChunkEncoding = false });
            return;
        }

        // In parts, so no single request carries gigabytes and a dropped connection costs one part.
        var upload = await _s3.InitiateMultipartUploadAsync(_bucket, key);
        try
        {
            var parts = new List<PartETag>();
            for (var (number, offset) = (1, 0L); offset < length; number++, offset += _partSize)
            {
                var part = await _s3.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = _bucket,
                    Key = key,
                    UploadId = upload.UploadId,
                    PartNumber = number,
                    FilePath = path,
                    FilePosition = offset,
                    PartSize = Math.Min(_partSize, length - offset),
                    UseChunkEncoding = false,
                });
                parts.Add(new PartETag(number, part.ETag));
            }

            await _s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = _bucket, Key = key, UploadId = upload.UploadId, PartETags = parts });
        }
        catch
        {
            await _s3.AbortMultipartUploadAsync(_bucket, key, upload.UploadId);
            throw;
        }
    }

    private async Task<List<S3Object>> ListAsync(string folder)
    {
        var objects = new List<S3Object>();
        var request = new ListObjectsV2Request { BucketName = _bucket, Prefix = Checked(folder).TrimEnd('/') + "/" };
        ListObjectsV2Response page;
        do
        {
            page = await _s3.ListObjectsV2Async(request);
            // SDK 4 leaves an empty list null.
            objects.AddRange(page.S3Objects ?? []);
            request.ContinuationToken = page.NextContinuationToken;
        }
        while (page.IsTruncated == true);

        return objects;
    }

    // With the key's extension: ffmpeg picks the output format by it (a proxy is written to "proxy.mp4.partial.mp4").
    private string ScratchPath(string key) => Path.Combine(_scratch, Guid.NewGuid().ToString("N") + Path.GetExtension(key));

    // Keys are generated by Portal; one with an empty, '.' or '..' segment would be a bug, and some servers would
    // normalise it into another key.
    private static string Checked(string key) =>
        key.Split('/').Any(segment => segment is "" or "." or "..")
            ? throw new ArgumentException($"Media key '{key}' is not a plain relative path.", nameof(key))
            : key;

    private static T Wait<T>(Task<T> task) => task.GetAwaiter().GetResult();

    private static void Wait(Task task) => task.GetAwaiter().GetResult();

    private static DateTimeOffset Utc(DateTime? time) =>
        time is { } t ? new DateTimeOffset(t.ToUniversalTime(), TimeSpan.Zero) : DateTimeOffset.MinValue;

    private static FileNotFoundException Missing(string key) => new($"Media file '{key}' is missing.", key);

    /// <summary>A scratch file deleted with the lease (a downloaded copy).</summary>
    private class DeleteOnDispose(string path) : ILocalFileLease
    {
        public string Path { get; } = path;

        public virtual ValueTask DisposeAsync()
        {
            File.Delete(Path);
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>A scratch file that becomes the object of its key when the lease ends, if anything was written to it.</summary>
    private sealed class UploadOnDispose(S3MediaStore store, string key) : DeleteOnDispose(store.ScratchPath(key))
    {
        private int _disposed;

        public override async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 1)
            {
                return;
            }

            try
            {
                if (File.Exists(Path))
                {
                    await store.UploadAsync(Path, Checked(key));
                }
            }
            finally
            {
                await base.DisposeAsync();
            }
        }
    }

    /// <summary>A stream over a scratch file whose disposal also ends the lease (and so uploads the file).</summary>
    private sealed class LeasedFileStream(FileStream file, ILocalFileLease lease) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => file.Length;

        public override long Position
        {
            get => file.Position;
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count) => file.Write(buffer, offset, count);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            file.WriteAsync(buffer, cancellationToken);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            file.WriteAsync(buffer, offset, count, cancellationToken);

        public override void Flush() => file.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => file.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override async ValueTask DisposeAsync()
        {
            await file.DisposeAsync();
            await lease.DisposeAsync();
            GC.SuppressFinalize(this);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                file.Dispose();
                lease.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>
    /// Reads an object with ranged GETs: a seek drops the current response and the next read asks for the bytes from
    /// the new position to the end, so an HTTP range request to the portal becomes one ranged GET to the store.
    /// </summary>
    private sealed class RangeReadStream(S3MediaStore store, string key, long length) : Stream
    {
        private GetObjectResponse? _response;
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position
        {
            get => _position;
            set => Seek(value, SeekOrigin.Begin);
        }

        public override int Read(byte[] buffer, int offset, int count) =>
            ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position >= length || buffer.Length == 0)
            {
                return 0;
            }

            _response ??= await store._s3.GetObjectAsync(new GetObjectRequest
            {
                BucketName = store._bucket,
                Key = key,
                ByteRange = new ByteRange(_position, length - 1),
            }, cancellationToken);
            var read = await _response.ResponseStream.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                throw new IOException($"Media file '{key}' ended at byte {_position} of {length}: it was replaced while being read.");
            }

            _position += read;
            return read;
        }

        public override long Seek(long offset, SeekOrigin origin)
        {
            var position = origin switch
            {
                SeekOrigin.Begin => offset,
                SeekOrigin.Current => _position + offset,
                _ => length + offset,
            };
            ArgumentOutOfRangeException.ThrowIfNegative(position, nameof(offset));
            if (position != _position)
            {
                DropResponse();
                _position = position;
            }

            return _position;
        }

        public override void Flush()
        {
        }

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                DropResponse();
            }

            base.Dispose(disposing);
        }

        private void DropResponse()
        {
            _response?.Dispose();
            _response = null;
        }
    }
}
