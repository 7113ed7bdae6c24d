using Microsoft.EntityFrameworkCore;
using Portal.Data.Entities;

namespace Portal.Data;

public class PortalDbContext(DbContextOptions<PortalDbContext> options) : DbContext(options)
{
    public DbSet<Video> Videos => Set<Video>();

    public DbSet<ProcessingRun> Runs => Set<ProcessingRun>();

    public DbSet<TrackRecord> Tracks => Set<TrackRecord>();

    public DbSet<ActionWindowRecord> ActionWindows => Set<ActionWindowRecord>();

    public DbSet<SegmentRecord> Segments => Set<SegmentRecord>();

    public DbSet<SegmentCorrection> SegmentCorrections => Set<SegmentCorrection>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema("portal");
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(PortalDbContext).Assembly);
    }
}
