using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
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

        builder.Services.AddDbContextFactory<PortalDbContext>(options => PortalDbContext.UsePostgres(options, connectionString));
        builder.Services.AddOptions<MediaOptions>()
            .Bind(builder.Configuration.GetSection(MediaOptions.SectionName))
            .Validate(o => !string.IsNullOrWhiteSpace(o.Root), "Portal:Media:Root is not set: set Portal__Media__Root to a writable directory.")
            .Validate(o => o.Store != MediaStoreKind.S3 || (!string.IsNullOrWhiteSpace(o.S3.ServiceUrl) && !string.IsNullOrWhiteSpace(o.S3.Bucket)),
                "Portal:Media:Store is S3 but Portal:Media:S3:ServiceUrl or Portal:Media:S3:Bucket is not set: set Portal__Media__S3__ServiceUrl and Portal__Media__S3__Bucket.")
            .ValidateOnStart();
        builder.Services.AddSingleton<IMediaStore>(services => CreateMediaStore(services.GetRequiredService<IOptions<MediaOptions>>()));
        return builder;
    }

    /// <summary>The store Portal:Media:Store names (see <see cref="MediaStoreKind"/>).</summary>
    public static IMediaStore CreateMediaStore(IOptions<MediaOptions> options) => options.Value.Store switch
    {
        MediaStoreKind.S3 => new UploadStagingMediaStore(new LocalMediaStore(options), new S3MediaStore(options)),
        _ => new LocalMediaStore(options),
    };

    /// <summary>Applies pending EF Core migrations. Called once at start by the web host, the schema's one owner.</summary>
    public static async Task MigratePortalDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken = default)
    {
        var factory = services.GetRequiredService<IDbContextFactory<PortalDbContext>>();
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        // On an empty database EF Core reads the migrations history before creating its table and logs the failed
        // query as an error (dotnet/efcore#37328): a first start would look broken. Creating the table first avoids it.
        await db.GetService<IHistoryRepository>().CreateIfNotExistsAsync(cancellationToken);
        await AdoptHistoryFromPublicSchemaAsync(db, cancellationToken);
        await db.Database.MigrateAsync(cancellationToken);
    }

    /// <summary>
    /// A database migrated before the history had a schema of its own has it in public."__EFMigrationsHistory"; the
    /// Portal migrations listed there are copied into the Portal schema's history, so they are not run a second time.
    /// Only Portal's own migration ids are copied: another application's history in the same database stays its own.
    /// </summary>
    private static async Task AdoptHistoryFromPublicSchemaAsync(PortalDbContext db, CancellationToken cancellationToken)
    {
        var legacy = await db.Database.SqlQuery<bool>($"SELECT to_regclass('public.\"__EFMigrationsHistory\"') IS NOT NULL AS \"Value\"")
            .SingleAsync(cancellationToken);
        if (!legacy)
        {
            return;
        }

        var ours = db.Database.GetMigrations().ToArray();
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO portal."__EFMigrationsHistory" ("MigrationId", "ProductVersion")
            SELECT "MigrationId", "ProductVersion" FROM public."__EFMigrationsHistory" WHERE "MigrationId" = ANY({ours})
            ON CONFLICT DO NOTHING
            """, cancellationToken);
    }
}
