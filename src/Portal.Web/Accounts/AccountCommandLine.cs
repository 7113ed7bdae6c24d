namespace Portal.Web.Accounts;

/// <summary>
/// `Portal.Web user add EMAIL [--admin]` and `Portal.Web token create EMAIL [NAME]`: account commands that talk to the
/// database a running portal uses, without starting a web server or migrating (the web host owns the schema). The
/// secret is printed alone on the last line, so a script can take it with `tail -n 1`.
/// </summary>
public static class AccountCommandLine
{
    public static bool Handles(string[] args) => args is ["user", ..] or ["token", ..];

    public static async Task<int> RunAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.AddPortalData();
        builder.Services.AddPortalAccountStore(builder.Configuration);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        using var host = builder.Build();
        await using var scope = host.Services.CreateAsyncScope();
        var accounts = scope.ServiceProvider.GetRequiredService<PortalAccounts>();
        try
        {
            switch (args)
            {
                case ["user", "add", var email, .. var rest] when rest is [] or ["--admin"]:
                    var password = await accounts.AddAsync(email, admin: rest is ["--admin"]);
                    Console.WriteLine($"Added {email} ({(rest is ["--admin"] ? "Admin" : "User")}). Its password, shown once:");
                    Console.WriteLine(password);
                    return 0;
                case ["token", "create", var email, .. var rest] when rest.Length <= 1:
                    var token = await accounts.CreateTokenAsync(email, rest is [var name] ? name : "command line", CancellationToken.None);
                    Console.WriteLine($"A new API token for {email}, shown once (send it as Authorization: Bearer TOKEN):");
                    Console.WriteLine(token);
                    return 0;
                default:
                    await Console.Error.WriteLineAsync("usage: user add EMAIL [--admin] | token create EMAIL [NAME]");
                    return 2;
            }
        }
        catch (AccountException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return 1;
        }
    }
}
