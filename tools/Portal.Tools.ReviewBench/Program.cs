using System.CommandLine;
using Portal.Tools.ReviewBench;

// portal-review-bench: the review page of one processed video, driven in Chromium as a reviewer uses it.
var url = new Option<string>("--url") { Description = "the portal, e.g. http://127.0.0.1:5080", Required = true };
var video = new Option<Guid>("--video") { Description = "the processed video's id", Required = true };
var email = new Option<string>("--email") { Description = "an account that may see the video", Required = true };
var password = new Option<string>("--password") { Description = "its password", Required = true };
var serverLog = new Option<FileInfo>("--server-log")
{
    Description = "the web host's console log, written with Logging__LogLevel__Microsoft.AspNetCore.Hosting.Diagnostics=Information",
    Required = true,
};
var opens = new Option<int>("--opens") { Description = "times the page is opened, each in a fresh browser context", DefaultValueFactory = _ => 3 };
var seeks = new Option<int>("--seeks") { Description = "segments spread over the video that are clicked in turn", DefaultValueFactory = _ => 12 };
var chromium = new Option<string>("--chromium") { Description = "the browser", DefaultValueFactory = _ => "/usr/bin/chromium" };
var limit = new Option<double>("--limit-ms") { Description = "the server-side budget per request the verdict uses", DefaultValueFactory = _ => 200 };
var paintLimit = new Option<double>("--first-paint-limit-ms") { Description = "the first-paint budget the verdict uses", DefaultValueFactory = _ => 1000 };
foreach (var positive in new[] { opens, seeks })
{
    positive.Validators.Add(r =>
    {
        if (r.GetValueOrDefault<int>() <= 0)
        {
            r.AddError($"{positive.Name} must be a positive integer.");
        }
    });
}

var root = new RootCommand("Opens, seeks, zooms and scrolls a video's review page in Chromium and prints what each took, in the browser and on the server")
{
    url, video, email, password, serverLog, opens, seeks, chromium, limit, paintLimit,
};
root.SetAction(async (parsed, cancellationToken) =>
{
    var settings = new ReviewBenchSettings(new Uri(parsed.GetRequiredValue(url)), parsed.GetRequiredValue(video), parsed.GetRequiredValue(email),
        parsed.GetRequiredValue(password), parsed.GetRequiredValue(serverLog), parsed.GetValue(opens), parsed.GetValue(seeks),
        parsed.GetRequiredValue(chromium), parsed.GetValue(limit), parsed.GetValue(paintLimit));
    return await ReviewPageBench.RunAsync(settings, Console.Out, cancellationToken);
});
var result = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
var exitCode = await result.InvokeAsync();
return result.Errors.Count > 0 ? 2 : exitCode;
