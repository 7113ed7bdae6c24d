namespace Portal.Data.Configurations;

internal sealed class StageTimingConfiguration : IEntityTypeConfiguration<StageTiming>
{
    public void Configure(EntityTypeBuilder<StageTiming> builder)
    {
        builder.ToTable("stage_timings");
        builder.HasKey(t => t.Id);
        builder.Property(t => t.Id).UseIdentityAlwaysColumn();
        builder.Property(t => t.Stage).HasMaxLength(32).IsRequired();
        builder.Property(t => t.Server).HasMaxLength(256);
        builder.Property(t => t.Machine).HasMaxLength(256).IsRequired();
        builder.Property(t => t.JobId).HasMaxLength(64);
        builder.HasOne<Video>().WithMany().HasForeignKey(t => t.VideoId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<ProcessingRun>().WithMany().HasForeignKey(t => t.RunId).OnDelete(DeleteBehavior.Cascade);
        // One row per run and stage (see StageTiming); the probe of a video that got no run is not limited.
        builder.HasIndex(t => new { t.RunId, t.Stage }).IsUnique();
        // The console reads the last day's rows; a video's view reads its own.
        builder.HasIndex(t => t.FinishedAt);
        builder.HasIndex(t => t.VideoId);
    }
}
