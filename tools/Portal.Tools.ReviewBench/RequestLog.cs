using System.Globalization;
using System.Text.RegularExpressions;

namespace Portal.Tools.ReviewBench;

/// <summary>One request as the web host logged it when it finished.</summary>
/// <param name="Route">The path with ids and numbers replaced (one route, one row).</param>
/// <param name="Url">The path and query as requested.</param>
public sealed record FinishedRequest(string Method, string Route, int Status, double Milliseconds, string Url);

/// <summary>
/// Reads ASP.NET Core's own "Request finished" lines (category Microsoft.AspNetCore.Hosting.Diagnostics, Information) from
/// the web host's console log: the time from the request's arrival to the end of its response, measured by the server.
/// The browser's figures would add the network and its own scheduling; these are what the server spent.
/// </summary>
public static partial class RequestLog
{
    // e.g. "Request finished HTTP/1.1 GET http://127.0.0.1:5080/api/videos/…/poses?from=5&to=10 - 200 12345 application/json 14.2104ms"
    [GeneratedRegex(@"Request finished \S+ (?<method>[A-Z]+) (?<url>\S+) - (?<status>\d{3}) .* (?<ms>[0-9.]+)ms\s*$")]
    private static partial Regex Finished();

    [GeneratedRegex(@"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")]
    private static partial Regex Guid();

    [GeneratedRegex(@"/\d+(?=/|\.|$)")]
    private static partial Regex Number();

    /// <summary>The finished requests among <paramref name="lines"/>; other lines are skipped.</summary>
    public static List<FinishedRequest> Parse(IEnumerable<string> lines)
    {
        var requests = new List<FinishedRequest>();
        foreach (var line in lines)
        {
            var match = Finished().Match(line);
            if (match.Success && Uri.TryCreate(match.Groups["url"].Value, UriKind.Absolute, out var url))
            {
                requests.Add(new FinishedRequest(
                    match.Groups["method"].Value,
                    Route(url.AbsolutePath),
                    int.Parse(match.Groups["status"].Value, CultureInfo.InvariantCulture),
                    double.Parse(match.Groups["ms"].Value, CultureInfo.InvariantCulture),
                    url.PathAndQuery));
            }
        }

        return requests;
    }

    /// <summary>A path with its ids and numbers replaced, so one row of the table stands for one route.</summary>
    public static string Route(string path) => Number().Replace(Guid().Replace(path, "{id}"), "/{n}");
}
