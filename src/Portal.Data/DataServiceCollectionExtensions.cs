using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Portal.Data.Media;

namespace Portal.Data;

public static class DataServiceCollectionExtensions
{
    public const string ConnectionStringName = "Portal";

    /// <summary>PostgreSQL through EF Core, and the media store.</summary>
    public static IHostApplicationBuilder AddPortalData(this IHostApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString(ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                "No database: set ConnectionStrings__Portal (e.g. Host=...;Database=portal;Username=...;Password=...), or start the portal with './portal run', which starts a private PostgreSQL.");
        }

        builder.Services.AddDbContextFactory<PortalDbContext>(options => options.UseNpgsql(connectionString));
        builder.Services.AddOptions<MediaOptions>()
            .Bind(builder.Configuration.GetSection(MediaOptions.SectionName))
            .Validate(o => !string.IsNullOrWhiteSpace(o.Root), "Portal:Media:Root is not set: set Portal__Media__Root to a writable directory.")
            .ValidateOnStart();
        builder.Services.AddSingleton<IMediaStore, LocalMediaStore>();
        return builder;
    }

    /// <summary>Applies pending EF Core migrations. Called once at start by the web host, the schema's one owner.</summary>
    public static async Task MigratePortalDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken = default)
    {
        var factory = services.GetRequiredService<IDbContextFactory<PortalDbContext>>();
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await db.Database.MigrateAsync(cancellationToken);
    }
}
