using System.Net.Sockets;
using System.Text;

namespace Portal.IntegrationTests;

/// <summary>
/// The bad-input corpus of docs/security.md through the real upload path, all at once and with good videos queued
/// behind it: each case ends as expected with its reason, nothing answers 5xx, no request leaves the machine (a
/// listener the hostile playlist names counts connections) and the good videos still succeed.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class BadInputCorpusTests(PortalApp app) : IClassFixture<PortalApp>
{
    private static readonly string HostileName = "../../etc/" + "\u0001\u001b[31mred\r\n" + new string('x', 300) + ".mp4";

    /// <summary>Case, the status it must end with, and what its reason must say (null: no reason, it succeeded).</summary>
    private static readonly (string Kind, VideoStatus Status, string? Reason)[] Corpus =
    [
        ("empty", VideoStatus.Failed, "empty"),
        ("random", VideoStatus.Failed, "not a video Portal can read"),
        ("truncated", VideoStatus.Failed, "incomplete MP4"),
        ("audio", VideoStatus.Failed, "only audio"),
        ("zero-frames", VideoStatus.Failed, "could not be converted for review: ffmpeg failed after 0.0 s of 1.0 s and said \"Conversion failed!\""),
        ("huge-30000", VideoStatus.Failed, "picture size"),
        ("huge-16000", VideoStatus.Failed, "up to 8192x8192"),
        ("variable-frame-rate", VideoStatus.Succeeded, null),
        ("rotated", VideoStatus.Succeeded, null),
        ("10-bit", VideoStatus.Succeeded, null),
        ("long-gif", VideoStatus.Failed, "up to 2 h"),
        ("png", VideoStatus.Failed, "png_pipe"),
        ("zip", VideoStatus.Failed, "not a video Portal can read"),
        ("playlist", VideoStatus.Failed, "hls"),
        ("playlist-to-listener", VideoStatus.Failed, "hls"),
        ("concat", VideoStatus.Failed, "concat"),
    ];

    [Fact]
    public async Task Corpus_EachCaseEndsAsExpected_WithItsReason_NoRequestLeaves_AndTheGoodVideosBehindSucceed()
    {
        using var temp = new TempDirectory();
        using var listener = new ConnectionCounter();
        var uploads = new List<(string Kind, VideoStatus Status, string? Reason, Guid Id)>();
        foreach (var (kind, status, reason) in Corpus)
        {
            var (path, name) = BadFileCorpus.Make(kind == "playlist-to-listener" ? $"playlist-to:http://127.0.0.1:{listener.Port}/segment.ts" : kind, temp.Path);
            uploads.Add((kind, status, reason, (await app.UploadOkAsync(path, name)).Id));
        }

        var hostileName = await UploadNamedAsync(TestPaths.Video("tfjs_pose_1.mp4"), HostileName);
        var good = await app.UploadOkAsync(TestPaths.Video("k400_archery.avi"));

        var table = new StringBuilder("| case | status | reason |\n|---|---|---|\n");
        var wrong = new List<string>();
        foreach (var (kind, status, reason, id) in uploads)
        {
            var video = await app.WaitUntilFinishedAsync(id);
            table.Append(CultureInfoInvariant($"| {kind} | {video.Status} | {video.Error} |\n"));
            if (video.Status != status || (reason is null ? video.Error is not null : !(video.Error ?? "").Contains(reason, StringComparison.OrdinalIgnoreCase)))
            {
                wrong.Add($"{kind}: {video.Status} '{video.Error}'");
            }

            Assert.DoesNotContain(app.Media.Path, video.Error ?? "", StringComparison.Ordinal);
        }

        var named = await app.WaitUntilFinishedAsync(hostileName.Id);
        table.Append(CultureInfoInvariant($"| file name with ../, control characters, 300+ characters | {named.Status} | shown as '{named.FileName}' |\n"));
        File.WriteAllText(Path.Combine(TestPaths.RepoRoot, "tests", "Portal.IntegrationTests", "bin", "corpus-table.md"), table.ToString());
        if (listener.Connections > 0)
        {
            wrong.Add($"the listener the playlist names was connected to {listener.Connections} times");
        }

        Assert.True(wrong.Count == 0, "cases that ended otherwise:\n" + string.Join('\n', wrong) + "\n\n" + table);

        Assert.Equal(VideoStatus.Succeeded, named.Status);
        Assert.DoesNotContain('/', named.FileName);
        Assert.DoesNotContain(named.FileName, char.IsControl);
        Assert.InRange(named.FileName.Length, 1, 255);
        Assert.Equal(VideoStatus.Succeeded, (await app.WaitUntilFinishedAsync(good.Id)).Status);
        using var client = app.CreateClient();
        // Media goes out with fixed types and a generated name: inline for the video, attachment for an export.
        using var proxy = await client.GetAsync(new Uri($"/api/videos/{named.Id}/proxy.mp4", UriKind.Relative));
        Assert.Equal("video/mp4", proxy.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"inline; filename=\"video-{named.Id:N}.mp4\"", proxy.Content.Headers.ContentDisposition?.ToString());
        using var export = await client.GetAsync(new Uri($"/api/videos/{named.Id}/timeline.csv", UriKind.Relative));
        Assert.Equal("attachment", export.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/health", UriKind.Relative))).StatusCode);
    }

    /// <summary>
    /// Uploads with <paramref name="fileName"/> as a browser would send any name: percent-encoded in filename* (so
    /// control characters and line breaks reach the server), beside an ASCII fallback.
    /// </summary>
    private async Task<Portal.Web.Videos.VideoDto> UploadNamedAsync(string path, string fileName)
    {
        using var client = app.CreateClient();
        await using var file = File.OpenRead(path);
        var part = new StreamContent(file);
        part.Headers.TryAddWithoutValidation("Content-Disposition", $"form-data; name=\"file\"; filename=\"upload.mp4\"; filename*=UTF-8''{Uri.EscapeDataString(fileName)}");
        using var content = new MultipartFormDataContent { part };
        using var response = await client.PostAsync(new Uri("/api/videos", UriKind.Relative), content);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<Portal.Web.Videos.VideoDto>(response.Content, PortalApp.Json))!;
    }

    private static string CultureInfoInvariant(FormattableString text) => FormattableString.Invariant(text);

    /// <summary>A TCP listener on the loopback that only counts who connects.</summary>
    private sealed class ConnectionCounter : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private int _connections;

        public ConnectionCounter()
        {
            _listener.Start();
            _ = AcceptAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int Connections => Volatile.Read(ref _connections);

        public void Dispose() => _listener.Stop();

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    using var socket = await _listener.AcceptSocketAsync();
                    Interlocked.Increment(ref _connections);
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // stopped
            }
        }
    }
}
