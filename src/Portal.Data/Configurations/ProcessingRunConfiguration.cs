namespace Portal.Data.Configurations;

internal sealed class ProcessingRunConfiguration : IEntityTypeConfiguration<ProcessingRun>
{
    public void Configure(EntityTypeBuilder<ProcessingRun> builder)
    {
        builder.ToTable("processing_runs");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Id).ValueGeneratedNever();
        builder.Property(r => r.OwnerId).HasMaxLength(128).IsRequired();
        builder.Property(r => r.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(r => r.CompletedStage).HasMaxLength(32);
        builder.Property(r => r.PoseModel).HasMaxLength(128);
        builder.Property(r => r.PoseModelVersion).HasMaxLength(64);
        builder.Property(r => r.ActionModel).HasMaxLength(128);
        builder.Property(r => r.ActionModelVersion).HasMaxLength(64);
        builder.Property(r => r.Note).HasMaxLength(1000);
        builder.Property(r => r.Error).HasMaxLength(2000);
        builder.HasOne<Video>().WithMany().HasForeignKey(r => r.VideoId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(r => new { r.VideoId, r.CreatedAt });
    }
}
