using System.CommandLine;
using Portal.Web.Hosting;

namespace Portal.Web.Accounts;

/// <summary>
/// `Portal.Web user add EMAIL [--admin]` and `Portal.Web token create EMAIL [NAME]`: account commands that talk to the
/// database a running portal uses, without starting a web server or migrating (the web host owns the schema). The
/// secret is printed alone on the last line, so a script can take it with `tail -n 1`.
/// </summary>
public static class AccountCommandLine
{
    public static bool Handles(string[] args) => args is ["user", ..] or ["token", ..];

    public static Task<int> RunAsync(string[] args)
    {
        var email = new Argument<string>("EMAIL") { Description = "the account's e-mail address" };
        var admin = new Option<bool>("--admin") { Description = "in the Admin role" };
        var add = new Command("add", "adds an account and prints its generated password, once") { email, admin }
            .WithAction(parsed => AccountAsync(async accounts =>
            {
                var address = parsed.GetRequiredValue(email);
                var isAdmin = parsed.GetValue(admin);
                var password = await accounts.AddAsync(address, admin: isAdmin);
                Console.WriteLine($"Added {address} ({(isAdmin ? "Admin" : "User")}). Its password, shown once:");
                Console.WriteLine(password);
            }));

        var owner = new Argument<string>("EMAIL") { Description = "the account the token acts for" };
        var name = new Argument<string>("NAME") { Description = "what the token is for", DefaultValueFactory = _ => "command line" };
        var create = new Command("create", "creates an API token and prints it, once") { owner, name }
            .WithAction(parsed => AccountAsync(async accounts =>
            {
                var address = parsed.GetRequiredValue(owner);
                var token = await accounts.CreateTokenAsync(address, parsed.GetRequiredValue(name), CancellationToken.None);
                Console.WriteLine($"A new API token for {address}, shown once (send it as Authorization: Bearer TOKEN):");
                Console.WriteLine(token);
            }));

        var root = new RootCommand("the portal's account commands (./portal user add, ./portal token create)")
        {
            new Command("user", "accounts") { add },
            new Command("token", "API tokens") { create },
        };
        return HostCommandLine.InvokeAsync(root, args);
    }

    private static async Task<int> AccountAsync(Func<PortalAccounts, Task> run)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.AddPortalData();
        builder.Services.AddPortalAccountStore(builder.Configuration);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        using var host = builder.Build();
        await using var scope = host.Services.CreateAsyncScope();
        try
        {
            await run(scope.ServiceProvider.GetRequiredService<PortalAccounts>());
            return 0;
        }
        catch (AccountException e)
        {
            return await HostCommandLine.FailAsync(1, e.Message);
        }
    }
}
