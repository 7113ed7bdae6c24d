using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Portal.Tools.ReviewBench;

public sealed record ReviewBenchSettings(
    Uri Url, Guid Video, string Email, string Password, FileInfo ServerLog, int Opens, int Seeks, string Chromium, double LimitMs, double FirstPaintLimitMs);

/// <summary>
/// A reviewer's session on one video's review page, timed: open it (fresh browser context each time: nothing cached),
/// click segments spread over the whole video (the page selects the segment over the Blazor circuit, the player seeks
/// and fetches that moment's poses and attention), zoom the timeline in step by step, and scroll it end to end at the
/// highest zoom. Browser figures come from the page's own performance entries and a stopwatch around each action; the
/// server's from its request log (<see cref="RequestLog"/>).
/// </summary>
public static partial class ReviewPageBench
{
    [GeneratedRegex(@"/poses\?from=([0-9.]+)&")]
    private static partial Regex PosesChunk();

    public static async Task<int> RunAsync(ReviewBenchSettings settings, TextWriter output, CancellationToken cancellationToken)
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = settings.Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        var signedIn = await SignInAsync(browser, settings);
        // Only the review page's requests count: the log is read from here on.
        var logStart = LogLength(settings.ServerLog);
        var proxyFirstBytes = new List<double>();
        var requestedChunks = new HashSet<string>();

        IPage? page = null;
        output.WriteLine("open | navigation to first paint ms | to first contentful paint ms | to DOMContentLoaded ms | to player attached ms | to importance strips drawn ms");
        output.WriteLine("---|---|---|---|---|---");
        var paints = new List<double>();
        for (var open = 1; open <= settings.Opens; open++)
        {
            if (page is not null)
            {
                await page.Context.CloseAsync();
            }

            var context = await browser.NewContextAsync(new BrowserNewContextOptions
            {
                BaseURL = settings.Url.ToString(),
                ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
                StorageState = signedIn,
            });
            page = await context.NewPageAsync();
            page.Response += (_, response) => Observe(response, proxyFirstBytes, requestedChunks);
            var watch = Stopwatch.StartNew();
            await page.GotoAsync($"/videos/{settings.Video}");
            var attached = await WaitOrNullAsync(page, "() => document.querySelector('[data-testid=review]')?.reviewPlayer !== undefined", watch);
            var strips = attached is null ? null : await WaitOrNullAsync(page, "() => document.querySelectorAll('canvas.importance').length > 0 && document.querySelectorAll('canvas.importance:not([data-drawn])').length === 0", watch);
            var paint = await page.EvaluateAsync<double[]>(
                """
                () => {
                  const at = name => performance.getEntriesByName(name)[0]?.startTime ?? -1;
                  const nav = performance.getEntriesByType('navigation')[0];
                  return [at('first-paint'), at('first-contentful-paint'), nav.domContentLoadedEventEnd];
                }
                """);
            paints.Add(paint[1]);
            output.WriteLine(Invariant($"{open} | {paint[0]:F0} | {paint[1]:F0} | {paint[2]:F0} | {Milliseconds(attached)} | {Milliseconds(strips)}"));
            if (attached is null)
            {
                return Summarize(ReadLogFrom(settings.ServerLog, logStart), proxyFirstBytes, paints, settings, output) + 1;
            }
        }

        var sizes = await page!.EvaluateAsync<int[]>(
            """
            () => [document.querySelectorAll('[data-testid=timeline-lane]').length, document.querySelectorAll('[data-testid=timeline-segment]').length,
                   document.documentElement.outerHTML.length, [...document.querySelectorAll('img.keyframe')].filter(i => i.complete && i.naturalWidth > 0).length,
                   Math.round(document.querySelector('[data-testid=segment-list]')?.getBoundingClientRect().top + scrollY), innerHeight]
            """);
        output.WriteLine(Invariant($"\nthe page: {sizes[0]} people (swimlanes), {sizes[1]} segments, {sizes[2] / 1024.0:F0} KiB of HTML; {sizes[3]} keyframe images loaded after the last open, the segment list starting {sizes[4]} px down a {sizes[5]} px window"));

        await SeekAsync(page, settings.Seeks, requestedChunks, output);
        await ZoomAndScrollAsync(page, output);
        await page.Context.CloseAsync();

        // Kestrel logs a request when its response has completed; give the last ones a moment to reach the file.
        await Task.Delay(1000, cancellationToken);
        return Summarize(ReadLogFrom(settings.ServerLog, logStart), proxyFirstBytes, paints, settings, output);
    }

    private static async Task<string> SignInAsync(IBrowser browser, ReviewBenchSettings settings)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = settings.Url.ToString() });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/account/signin");
        await page.GetByTestId("signin-email").FillAsync(settings.Email);
        await page.GetByTestId("signin-password").FillAsync(settings.Password);
        await page.GetByTestId("signin-submit").ClickAsync();
        await Assertions.Expect(page.GetByTestId("account-name")).ToHaveTextAsync(settings.Email, new() { Timeout = 60_000 });
        var state = await context.StorageStateAsync();
        await context.CloseAsync();
        return state;
    }

    /// <summary>Clicks <paramref name="count"/> segments spread evenly over the video's time, one after another.</summary>
    private static async Task SeekAsync(IPage page, int count, HashSet<string> requestedChunks, TextWriter output)
    {
        var segments = await page.EvaluateAsync<double[][]>(
            "() => [...document.querySelectorAll('[data-testid=timeline-segment]')].map(b => [parseFloat(b.dataset.seek), +b.dataset.track, +b.dataset.index]).sort((a, b) => a[0] - b[0])");
        if (segments.Length == 0)
        {
            output.WriteLine("\nno segments to seek to");
            return;
        }

        output.WriteLine("\nseek to | segment (person, index) | click to segment selected (Blazor round trip) ms | click to that moment's poses received ms");
        output.WriteLine("---|---|---|---");
        var picks = Enumerable.Range(0, count).Select(k => segments[(int)Math.Round(k * (segments.Length - 1) / (double)Math.Max(1, count - 1))]).Distinct();
        foreach (var pick in picks)
        {
            var (time, track, index) = (pick[0], (int)pick[1], (int)pick[2]);
            // review.js fetches poses 5 s at a time (CHUNK_SECONDS), from=the chunk's start.
            var chunk = (Math.Floor(time / 5) * 5).ToString(CultureInfo.InvariantCulture);
            var poses = requestedChunks.Contains(chunk)
                ? null
                : page.WaitForResponseAsync(r => r.Url.Contains($"/poses?from={chunk}&", StringComparison.Ordinal), new() { Timeout = 60_000 });
            var selector = $"[data-testid=timeline-segment][data-track='{track}'][data-index='{index}']";
            var watch = Stopwatch.StartNew();
            // A click event, not a pointer at coordinates: at zoom 1 an hour-long timeline's one-second segment is under a pixel wide.
            await page.Locator(selector).DispatchEventAsync("click");
            await page.WaitForFunctionAsync($"() => document.querySelector(\"{selector}\")?.getAttribute('aria-pressed') === 'true'", null, new() { Timeout = 60_000 });
            var selected = watch.Elapsed.TotalMilliseconds;
            var received = "(already loaded)";
            if (poses is not null)
            {
                await (await poses).FinishedAsync();
                received = watch.Elapsed.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture);
            }

            output.WriteLine(Invariant($"{time:F1} s | {track}, {index} | {selected:F0} | {received}"));
        }
    }

    /// <summary>Zooms in until the button stops it (about ten seconds across), then scrolls the timeline from end to end.</summary>
    private static async Task ZoomAndScrollAsync(IPage page, TextWriter output)
    {
        var zoomIn = page.GetByTestId("zoom-in");
        var level = page.GetByTestId("zoom-level");
        var steps = new List<string>();
        while (await zoomIn.IsEnabledAsync())
        {
            var before = await level.TextContentAsync();
            var watch = Stopwatch.StartNew();
            await zoomIn.ClickAsync();
            await page.WaitForFunctionAsync($"() => document.querySelector('[data-testid=zoom-level]').textContent !== '{before}'", null, new() { Timeout = 60_000 });
            steps.Add(Invariant($"{await level.TextContentAsync()} {watch.Elapsed.TotalMilliseconds:F0}"));
        }

        output.WriteLine($"\nzoom in, each click to the timeline redrawn (Blazor round trip), ms: {string.Join(", ", steps)}");
        var frames = await page.EvaluateAsync<double[]>(
            """
            async () => {
              const scroller = document.querySelector('.timeline-scroll');
              const times = [];
              for (let k = 1; k <= 40; k++) {
                const start = performance.now();
                scroller.scrollLeft = (scroller.scrollWidth - scroller.clientWidth) * k / 40;
                await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
                times.push(performance.now() - start);
              }
              return times;
            }
            """);
        output.WriteLine(Invariant($"scrolling the zoomed timeline end to end in 40 jumps, each jump to its second frame painted: median {Percentile(frames, 0.5):F0} ms, max {frames.Max():F0} ms"));
    }

    internal static int Summarize(List<FinishedRequest> requests, List<double> proxyFirstBytes, List<double> paints, ReviewBenchSettings settings, TextWriter output)
    {
        // The circuit's WebSocket is one request that lasts as long as the page; a media response lasts as long as the
        // browser keeps reading it. Neither duration is the server's work: the proxy's time to first byte is given instead.
        var measured = requests.Where(r => r.Route != "/_blazor" && !r.Route.EndsWith("/proxy.mp4", StringComparison.Ordinal)).ToList();
        // 499: the browser gave the request up (a page closed while its images loaded); not an answer of the server's.
        bool Failed(FinishedRequest r) => r.Status >= 400 && r.Status != 499;
        output.WriteLine("\nserver side, every request the pages made (the web host's request log) | requests | status 4xx/5xx (not 499) | median ms | p95 ms | max ms");
        output.WriteLine("---|---|---|---|---|---");
        foreach (var route in measured.GroupBy(r => $"{r.Method} {r.Route}").OrderByDescending(g => g.Max(r => r.Milliseconds)))
        {
            var ms = route.Select(r => r.Milliseconds).ToList();
            output.WriteLine(Invariant($"{route.Key} | {ms.Count} | {route.Count(Failed)} | {Percentile(ms, 0.5):F1} | {Percentile(ms, 0.95):F1} | {ms.Max():F1}"));
        }

        if (proxyFirstBytes.Count > 0)
        {
            output.WriteLine(Invariant($"GET /api/videos/{{id}}/proxy.mp4 (time to first byte in the browser) | {proxyFirstBytes.Count} | – | {Percentile(proxyFirstBytes, 0.5):F1} | {Percentile(proxyFirstBytes, 0.95):F1} | {proxyFirstBytes.Max():F1}"));
        }

        foreach (var failure in measured.Where(Failed).Take(10))
        {
            output.WriteLine($"answered {failure.Status}: {failure.Method} {failure.Url}");
        }

        // A 499's duration runs until the server noticed the browser had gone (the bench closes each context, and with
        // it the page's disconnect beacon): no answer was timed, so it is listed apart instead of judged.
        var answered = measured.Where(r => r.Status != 499).ToList();
        foreach (var abandoned in measured.Where(r => r.Status == 499))
        {
            output.WriteLine(Invariant($"given up by the browser (499, not judged): {abandoned.Method} {abandoned.Route} after {abandoned.Milliseconds:F1} ms"));
        }

        var slow = answered.Count(r => r.Milliseconds > settings.LimitMs);
        var failed = answered.Count(Failed);
        var worst = answered.Count == 0 ? 0 : answered.Max(r => r.Milliseconds);
        output.WriteLine(Invariant($"\nverdict: {answered.Count} answered requests, the slowest {worst:F1} ms on the server; {slow} over {settings.LimitMs:F0} ms, {failed} answered 4xx/5xx -> {(slow == 0 && failed == 0 && answered.Count > 0 ? "met" : "NOT met")}"));
        output.WriteLine(Invariant($"verdict: first contentful paint {string.Join(", ", paints.Select(p => p.ToString("F0", CultureInfo.InvariantCulture)))} ms; limit {settings.FirstPaintLimitMs:F0} ms -> {(paints.All(p => p >= 0 && p <= settings.FirstPaintLimitMs) ? "met" : "NOT met")}"));
        return 0;
    }

    private static void Observe(IResponse response, List<double> proxyFirstBytes, HashSet<string> requestedChunks)
    {
        if (PosesChunk().Match(response.Url) is { Success: true } chunk)
        {
            lock (requestedChunks)
            {
                requestedChunks.Add(chunk.Groups[1].Value);
            }
        }

        if (response.Url.Contains("/proxy.mp4", StringComparison.Ordinal))
        {
            var timing = response.Request.Timing;
            lock (proxyFirstBytes)
            {
                proxyFirstBytes.Add(timing.ResponseStart - timing.RequestStart);
            }
        }
    }

    private static string Milliseconds(double? elapsed) => elapsed is { } ms ? ms.ToString("F0", CultureInfo.InvariantCulture) : "not within 60 s";

    private static async Task<double?> WaitOrNullAsync(IPage page, string condition, Stopwatch watch)
    {
        try
        {
            await page.WaitForFunctionAsync(condition, null, new() { Timeout = 60_000 });
            return watch.Elapsed.TotalMilliseconds;
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    private static long LogLength(FileInfo log)
    {
        log.Refresh();
        return log.Exists ? log.Length : 0;
    }

    private static List<FinishedRequest> ReadLogFrom(FileInfo log, long offset)
    {
        using var stream = new FileStream(log.FullName, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(offset, SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            lines.Add(line);
        }

        return RequestLog.Parse(lines);
    }

    internal static double Percentile(IReadOnlyCollection<double> values, double fraction)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted[(int)Math.Clamp(Math.Ceiling(fraction * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
