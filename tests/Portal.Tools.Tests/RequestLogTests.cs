using Portal.Tools.ReviewBench;

namespace Portal.Tools.Tests;

public class RequestLogTests
{
    // As the web host's console logger wrote them in a bench-memory review run (ASP.NET Core 10, simple console format).
    private static readonly string[] Log =
    [
        "info: Microsoft.AspNetCore.Hosting.Diagnostics[1]",
        "      Request starting HTTP/1.1 GET http://127.0.0.1:41234/api/videos/5f0c8a52-1c1e-4b8e-9d55-0b6c1d7e2f10/poses?from=3275&to=3280 - - -",
        "info: Microsoft.AspNetCore.Hosting.Diagnostics[2]",
        "      Request finished HTTP/1.1 GET http://127.0.0.1:41234/api/videos/5f0c8a52-1c1e-4b8e-9d55-0b6c1d7e2f10/poses?from=3275&to=3280 - 200 - application/json 14.2104ms",
        "      Request finished HTTP/1.1 GET http://127.0.0.1:41234/api/videos/5f0c8a52-1c1e-4b8e-9d55-0b6c1d7e2f10/keyframes/12/3.png - 200 48210 image/png 3.5ms",
        "      Request finished HTTP/1.1 POST http://127.0.0.1:41234/_blazor/negotiate?negotiateVersion=1 - 200 316 application/json 0.9871ms",
        "      Request finished HTTP/1.1 GET http://127.0.0.1:41234/videos/5f0c8a52-1c1e-4b8e-9d55-0b6c1d7e2f10 - 404 0 - 250.0ms",
        "warn: something else entirely - 200 12ms",
    ];

    [Fact]
    public void Parse_ReadsEveryFinishedRequest_WithItsRouteStatusAndServerTime()
    {
        var requests = RequestLog.Parse(Log);

        Assert.Equal(
            [
                new FinishedRequest("GET", "/api/videos/{id}/poses", 200, 14.2104, "/api/videos/5f0c8a52-1c1e-4b8e-9d55-0b6c1d7e2f10/poses?from=3275&to=3280"),
                new FinishedRequest("GET", "/api/videos/{id}/keyframes/{n}/{n}.png", 200, 3.5, "/api/videos/5f0c8a52-1c1e-4b8e-9d55-0b6c1d7e2f10/keyframes/12/3.png"),
                new FinishedRequest("POST", "/_blazor/negotiate", 200, 0.9871, "/_blazor/negotiate?negotiateVersion=1"),
                new FinishedRequest("GET", "/videos/{id}", 404, 250.0, "/videos/5f0c8a52-1c1e-4b8e-9d55-0b6c1d7e2f10"),
            ],
            requests);
    }

    [Fact]
    public void Percentile_IsTheNearestRankOfTheSortedValues()
    {
        double[] values = [40, 10, 30, 20];

        Assert.Equal(20, ReviewPageBench.Percentile(values, 0.5));
        Assert.Equal(40, ReviewPageBench.Percentile(values, 0.95));
        Assert.Equal(0, ReviewPageBench.Percentile([], 0.5));
    }

    [Fact]
    public void Verdict_JudgesAnsweredRequests_AndListsThoseTheBrowserGaveUpApart()
    {
        var settings = new ReviewBenchSettings(new Uri("http://127.0.0.1"), Guid.Empty, "e", "p", new FileInfo("log"), 1, 1, "chromium", 200, 1000);
        List<FinishedRequest> requests =
        [
            new("GET", "/videos/{id}", 200, 120, "/videos/x"),
            new("POST", "/_blazor/disconnect", 499, 547, "/_blazor/disconnect"),
        ];
        var output = new StringWriter();

        ReviewPageBench.Summarize(requests, [], [300], settings, output);

        Assert.Contains("given up by the browser (499, not judged): POST /_blazor/disconnect after 547.0 ms", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("verdict: 1 answered requests, the slowest 120.0 ms on the server; 0 over 200 ms, 0 answered 4xx/5xx -> met", output.ToString(), StringComparison.Ordinal);

        requests.Add(new("GET", "/api/videos/{id}/poses", 200, 201, "/api/videos/x/poses"));
        output = new StringWriter();
        ReviewPageBench.Summarize(requests, [], [300], settings, output);
        Assert.Contains("1 over 200 ms, 0 answered 4xx/5xx -> NOT met", output.ToString(), StringComparison.Ordinal);
    }
}
