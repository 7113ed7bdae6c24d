using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Portal.Data;

namespace Portal.IntegrationTests;

/// <summary>The schema's migrations on a real, empty PostgreSQL database, as the web host applies them at start.</summary>
public sealed class MigrationTests
{
    [Fact]
    public async Task MigratingAnEmptyDatabase_AppliesEveryMigration_AndLogsNoError_AndASecondStartDoesNothing()
    {
        await using var database = await TestDatabase.CreateAsync();
        using var media = new TempDirectory("portal-migration-media");
        var logs = new ErrorLog();
        using var host = DataHost(database, media, logs);

        await host.Services.MigratePortalDatabaseAsync();
        await host.Services.MigratePortalDatabaseAsync();

        Assert.Empty(logs.Errors);
        await using var db = await host.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync());
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
    }

    [Fact]
    public async Task ADatabaseWithItsHistoryInThePublicSchema_IsNotMigratedAgain_AndKeepsItsRows()
    {
        await using var database = await TestDatabase.CreateAsync();
        using var media = new TempDirectory("portal-migration-media");
        // As the portal migrated before the history had its own schema: EF Core's default place, the current schema.
        var legacyOptions = new DbContextOptionsBuilder<PortalDbContext>().UseNpgsql(database.ConnectionString).Options;
        await using (var legacy = new PortalDbContext(legacyOptions))
        {
            await legacy.Database.MigrateAsync();
            legacy.Videos.Add(Video.Create(Guid.NewGuid(), "owner", "kept.mp4", "videos/kept", 1, new string('0', 64), DateTimeOffset.UtcNow));
            await legacy.SaveChangesAsync();
        }

        using var host = DataHost(database, media, new ErrorLog());
        await host.Services.MigratePortalDatabaseAsync();

        await using var db = await host.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync());
        Assert.Equal(["kept.mp4"], await db.Videos.Select(v => v.OriginalFileName).ToListAsync());
    }

    /// <summary>The data layer alone (EF Core on the database, media store), logging errors to <paramref name="logs"/>.</summary>
    private static IHost DataHost(TestDatabase database, TempDirectory media, ErrorLog logs)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Portal"] = database.ConnectionString,
            ["Portal:Media:Root"] = media.Path,
        });
        builder.Logging.AddProvider(logs);
        builder.AddPortalData();
        return builder.Build();
    }

    /// <summary>Every message logged at Error or above, from any category.</summary>
    private sealed class ErrorLog : ILoggerProvider
    {
        private readonly List<string> _errors = [];

        public IReadOnlyList<string> Errors
        {
            get
            {
                lock (_errors)
                {
                    return [.. _errors];
                }
            }
        }

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(ErrorLog log, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    lock (log._errors)
                    {
                        log._errors.Add($"{category}: {formatter(state, exception)}");
                    }
                }
            }
        }
    }
}
