using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Portal.Data;

/// <summary>Portal's tables, the accounts (ASP.NET Core Identity's tables) among them, all in <see cref="Schema"/>.</summary>
public class PortalDbContext(DbContextOptions<PortalDbContext> options) : IdentityDbContext<PortalUser>(options), IDataProtectionKeyContext
{
    /// <summary>The PostgreSQL schema of every Portal table, the migrations history included.</summary>
    public const string Schema = "portal";

    /// <summary>PostgreSQL for this context, the same for the product and for `dotnet ef`.</summary>
    /// <remarks>
    /// The migrations history is kept in <see cref="Schema"/> by name. Left to EF Core it goes to the connection's
    /// current schema, which is "public" before the first migration and, for a role named "portal" (search_path
    /// "$user", public), "portal" after it: the second start then found no history and ran every migration again.
    /// </remarks>
    public static DbContextOptionsBuilder UsePostgres(DbContextOptionsBuilder options, string connectionString) =>
        options.UseNpgsql(connectionString, npgsql => npgsql.MigrationsHistoryTable(HistoryRepository.DefaultTableName, Schema));

    public DbSet<Video> Videos => Set<Video>();

    public DbSet<ProcessingRun> Runs => Set<ProcessingRun>();

    public DbSet<TrackRecord> Tracks => Set<TrackRecord>();

    public DbSet<ActionWindowRecord> ActionWindows => Set<ActionWindowRecord>();

    public DbSet<SegmentRecord> Segments => Set<SegmentRecord>();

    public DbSet<SegmentCorrection> SegmentCorrections => Set<SegmentCorrection>();

    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();

    public DbSet<ReviewMark> ReviewMarks => Set<ReviewMark>();

    public DbSet<ModelVersion> ModelVersions => Set<ModelVersion>();

    public DbSet<TrainingRun> TrainingRuns => Set<TrainingRun>();

    /// <summary>When each stage of each run ran, on which worker, with how many frames (one row per run and stage).</summary>
    public DbSet<StageTiming> StageTimings => Set<StageTiming>();

    /// <summary>Who did what: sign-ins, account and token changes, deletes, corrections (newest last).</summary>
    public DbSet<AuditEntry> AuditLog => Set<AuditEntry>();

    /// <summary>ASP.NET Core's data-protection key ring (sign-in cookies, Identity's tokens), shared by every web process.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        // Identity's own mapping first; the schema and Portal's configurations apply on top of it.
        base.OnModelCreating(modelBuilder);
        modelBuilder.HasDefaultSchema(Schema);
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(PortalDbContext).Assembly);
    }
}
