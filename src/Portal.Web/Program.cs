using Portal.Jobs.Hosting;
using Portal.Web.Accounts;
using Portal.Web.Hosting;
using Portal.Web.Learning;

if (AccountCommandLine.Handles(args))
{
    return await AccountCommandLine.RunAsync(args);
}

if (LearningCommandLine.Handles(args))
{
    return await LearningCommandLine.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(args);
// Serves the static assets of a built (not published) app too, which is how `./portal run` starts it.
builder.WebHost.UseStaticWebAssets();
builder.AddPortalData();
builder.AddPortalJobs();
builder.AddPortalWeb();
builder.AddPortalHardening();

var app = builder.Build();
// The web host is the schema's one owner: it migrates before anything (the in-process worker included) starts.
await app.Services.MigratePortalDatabaseAsync();
await app.Services.CreateFirstAdminAsync();
app.UsePortalHardening();
app.UsePortalWeb();
await app.RunAsync();
return 0;

/// <summary>Entry point type, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
