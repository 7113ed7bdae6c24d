using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Npgsql;

namespace Portal.EndToEndTests;

/// <summary>
/// The built portal started as a real process (Kestrel on a free loopback port, in-process worker) on its own
/// database and media root, and Debian's Chromium driven by Playwright. Nothing is in-memory or mocked.
/// </summary>
public class RunningPortal : IAsyncLifetime
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif
    private const string ChromiumPath = "/usr/bin/chromium";

    private readonly StringBuilder _log = new();
    private TestDatabase? _database;
    private Process? _process;
    private readonly List<Process> _workers = [];
    private IPlaywright? _playwright;
    private string? _signedIn;

    public TempDirectory Media { get; } = new("portal-e2e-media");

    /// <summary>False: the web host runs no worker and a separate `Portal.Jobs` worker process does the jobs.</summary>
    protected virtual bool InProcessWorker => true;

    /// <summary>Whether a separate worker is started with the portal (when the web host runs none); false: the test starts its own.</summary>
    protected virtual bool StartsAWorker => !InProcessWorker;

    /// <summary>How soon a job fetched by a killed worker is fetched again.</summary>
    protected virtual int InvisibilityTimeoutSeconds => 120;

    /// <summary>More configuration for the portal's processes (environment variables), e.g. other limits.</summary>
    protected virtual IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>();

    public string DatabaseConnectionString => _database!.ConnectionString;

    public Uri BaseUrl { get; private set; } = new("http://127.0.0.1");

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The account the tests act as: made with the `user add` and `token create` commands while the portal runs.</summary>
    public PortalAccount Account { get; private set; } = null!;

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>
    /// Runs a page expectation and, when it fails, fails with the end of the portal's log too: a Blazor circuit's
    /// "unhandled error" shows on the page only as that, its exception only in the server's log.
    /// </summary>
    public async Task ExpectAsync(Func<Task> expectation)
    {
        ArgumentNullException.ThrowIfNull(expectation);
        try
        {
            await expectation();
        }
        catch (PlaywrightException e)
        {
            var log = Log;
            throw new Xunit.Sdk.XunitException($"{e.Message}\nthe portal's log, last 8000 characters:\n{log[Math.Max(0, log.Length - 8000)..]}");
        }
    }

    static RunningPortal()
    {
        // Playwright's 5 s default for an expectation is for a machine with cores to spare; here the test run shares two
        // cores with ONNX inference, ffmpeg and the other test assemblies, and a Blazor circuit's update can take longer.
        // Waiting longer changes no verdict: an expectation still fails if the page never gets there.
        Assertions.SetDefaultExpectTimeout(20_000);
    }

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(ChromiumPath), $"{ChromiumPath} is missing: './portal test' installs Debian's chromium package.");
        _database = await TestDatabase.CreateAsync();
        var port = FreePort();
        BaseUrl = new Uri($"http://127.0.0.1:{port}");
        StartWebHost();
        await WaitForHealthAsync();
        if (StartsAWorker)
        {
            // Started after the web host has migrated the schema: workers never migrate.
            StartWorker();
        }

        Account = await AddAccountAsync("e2e@portal.test");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });

        // Signed in once through the real page; every page the tests open starts with that session's cookie.
        var page = await NewPageAsync(signedIn: false);
        await SignInAsync(page, Account);
        _signedIn = await page.Context.StorageStateAsync();
        await page.Context.CloseAsync();
    }

    /// <summary>A browser page with its own context, signed in as <see cref="Account"/> unless <paramref name="signedIn"/> is false.</summary>
    public async Task<IPage> NewPageAsync(bool signedIn = true)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseUrl.ToString(),
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
            StorageState = signedIn ? _signedIn : null,
        });
        return await context.NewPageAsync();
    }

    /// <summary>Signs in on the sign-in page and waits for the library.</summary>
    public static async Task SignInAsync(IPage page, PortalAccount account)
    {
        await page.GotoAsync("/account/signin");
        await page.GetByTestId("signin-email").FillAsync(account.Email);
        await page.GetByTestId("signin-password").FillAsync(account.Password);
        await page.GetByTestId("signin-submit").ClickAsync();
        await Assertions.Expect(page.GetByTestId("account-name")).ToHaveTextAsync(account.Email);
    }

    /// <summary>An HTTP client that sends <see cref="Account"/>'s API token.</summary>
    public HttpClient CreateHttpClient()
    {
        var http = new HttpClient { BaseAddress = BaseUrl };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Account.Token);
        return http;
    }

    /// <summary>
    /// A new account and a token for it, made as an operator does: `Portal.Web user add` and `token create` (what
    /// `./portal user add` and `./portal token create` run) against the running portal's database.
    /// </summary>
    public async Task<PortalAccount> AddAccountAsync(string email, bool admin = false)
    {
        var password = await RunAccountCommandAsync(admin ? ["user", "add", email, "--admin"] : ["user", "add", email]);
        var token = await RunAccountCommandAsync(["token", "create", email]);
        return new PortalAccount(email, password, token);
    }

    /// <summary>Runs an account command of the web app and returns its last line, where it prints the secret.</summary>
    private async Task<string> RunAccountCommandAsync(string[] args)
    {
        using var process = Process.Start(DotnetStart(WebHostDll, args))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{string.Join(' ', args)} exited with {process.ExitCode}:\n{await output}{await errors}");
        return (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];
    }

    /// <summary>Where screenshots go: docs/screenshots when PORTAL_UPDATE_SCREENSHOTS=1, else a temp folder.</summary>
    public static string ScreenshotPath(string name)
    {
        var directory = Environment.GetEnvironmentVariable("PORTAL_UPDATE_SCREENSHOTS") == "1"
            ? Path.Combine(TestPaths.RepoRoot, "docs", "screenshots")
            : Path.Combine(Path.GetTempPath(), "portal-screenshots");
        Directory.CreateDirectory(directory);
        return Path.Combine(directory, name);
    }

    /// <summary>
    /// Stops the web host as a service manager would (SIGTERM, then waits for it to exit) and starts it again on the same
    /// port, database and media root, as after a reboot or an upgrade.
    /// </summary>
    public async Task RestartWebHostAsync()
    {
        Assert.Equal(0, SendSignal(_process!.Id, SigTerm));
        await _process.WaitForExitAsync();
        Append($"--- web host exited with {_process.ExitCode}; starting it again ---");
        _process.Dispose();
        StartWebHost();
        await WaitForHealthAsync();
    }

    private const int SigTerm = 15;

    // .NET's Process.Kill only sends SIGKILL; a graceful stop needs SIGTERM, which libc's kill(2) sends.
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    private static string WebHostDll => Path.Combine(TestPaths.RepoRoot, "src", "Portal.Web", "bin", Configuration, "net10.0", "Portal.Web.dll");

    private void StartWebHost() =>
        _process = StartDotnet(WebHostDll,
            ["--urls", BaseUrl.ToString().TrimEnd('/'), "--contentRoot", Path.Combine(TestPaths.RepoRoot, "src", "Portal.Web")]);

    /// <summary>The first column of the first row of <paramref name="sql"/> on the portal's database, with <c>@id</c> bound to <paramref name="id"/>.</summary>
    public async Task<object?> ScalarAsync(string sql, Guid id)
    {
        await using var db = new NpgsqlConnection(DatabaseConnectionString);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand(sql, db);
        command.Parameters.AddWithValue("id", id);
        return await command.ExecuteScalarAsync();
    }

    /// <summary>Asserts that one run, and only one, processed the video, and that it went through every stage.</summary>
    public async Task AssertProcessedOnceAsync(Guid videoId)
    {
        Assert.Equal(1L, await ScalarAsync("""select count(*) from portal.processing_runs where "VideoId" = @id""", videoId));
        Assert.Equal("keyframes", await ScalarAsync("""select "CompletedStage" from portal.processing_runs where "VideoId" = @id""", videoId));
    }

    /// <summary>A worker process (what `./portal worker` starts), with <paramref name="settings"/> added to its environment.</summary>
    public Process StartWorker(IReadOnlyDictionary<string, string>? settings = null)
    {
        var worker = StartDotnet(Path.Combine(TestPaths.RepoRoot, "src", "Portal.Jobs", "bin", Configuration, "net10.0", "Portal.Jobs.dll"), [], settings);
        _workers.Add(worker);
        return worker;
    }

    /// <summary>SIGKILL to the last worker started (or <paramref name="worker"/>), alone, as `kill -9` would: no shutdown, children left to notice.</summary>
    public void KillWorker(Process? worker = null)
    {
        worker ??= _workers[^1];
        worker.Kill(entireProcessTree: false);
        worker.WaitForExit();
    }

    /// <summary>SIGTERM to <paramref name="worker"/>, as a service manager stops it; returns how long it took to exit.</summary>
    public async Task<TimeSpan> TerminateWorkerAsync(Process worker)
    {
        var clock = Stopwatch.StartNew();
        Assert.Equal(0, SendSignal(worker.Id, SigTerm));
        using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await worker.WaitForExitAsync(patience.Token);
        return clock.Elapsed;
    }

    /// <summary>Kills every worker this portal started (SIGKILL, with their ffmpeg children), so the next test starts with none.</summary>
    public void StopWorkers()
    {
        foreach (var worker in _workers)
        {
            if (!worker.HasExited)
            {
                worker.Kill(entireProcessTree: true);
                worker.WaitForExit();
            }

            worker.Dispose();
        }

        _workers.Clear();
    }

    /// <summary>The first column of every row of <paramref name="sql"/> on the portal's database, as text.</summary>
    public async Task<IReadOnlyList<string>> ColumnAsync(string sql)
    {
        await using var db = new NpgsqlConnection(DatabaseConnectionString);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand(sql, db);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetValue(0).ToString()!);
        }

        return values;
    }

    private Process StartDotnet(string dll, string[] args, IReadOnlyDictionary<string, string>? settings = null)
    {
        var process = Process.Start(DotnetStart(dll, args, settings))!;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>A `dotnet DLL ARGS` process on this portal's database, media and models, its output redirected.</summary>
    private ProcessStartInfo DotnetStart(string dll, string[] args, IReadOnlyDictionary<string, string>? settings = null)
    {
        var start = new ProcessStartInfo("dotnet", [dll, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["DOTNET_ENVIRONMENT"] = "Production",
                ["ConnectionStrings__Portal"] = _database!.ConnectionString,
                ["Portal__Media__Root"] = Media.Path,
                ["Portal__Worker__InProcess"] = InProcessWorker ? "true" : "false",
                ["Portal__Worker__InvisibilityTimeoutSeconds"] = InvisibilityTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Portal__Pipeline__ModelsRoot"] = Path.Combine(TestPaths.RepoRoot, "models"),
                ["Logging__LogLevel__Default"] = "Warning",
            },
        };
        foreach (var (name, value) in Settings.Concat(settings ?? new Dictionary<string, string>()))
        {
            start.Environment[name] = value;
        }

        return start;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }

    private async Task WaitForHealthAsync()
    {
        using var http = new HttpClient { BaseAddress = BaseUrl };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"The portal exited with {_process.ExitCode} at start:\n{Log}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri("/health", UriKind.Relative));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"The portal did not become healthy:\n{Log}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        foreach (var process in _workers.Append(_process))
        {
            if (process is { HasExited: false })
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            process?.Dispose();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        Media.Dispose();
    }
}

/// <summary>An account the end-to-end tests made: e-mail, generated password and API token.</summary>
public sealed record PortalAccount(string Email, string Password, string Token);
