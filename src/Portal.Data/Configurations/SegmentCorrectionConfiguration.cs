namespace Portal.Data.Configurations;

internal sealed class SegmentCorrectionConfiguration : IEntityTypeConfiguration<SegmentCorrection>
{
    public void Configure(EntityTypeBuilder<SegmentCorrection> builder)
    {
        builder.ToTable("segment_corrections");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.Kind).HasMaxLength(16);
        builder.Property(c => c.Author).HasMaxLength(128);
        builder.Property(c => c.BeforeJson).HasColumnType("jsonb");
        builder.Property(c => c.AfterJson).HasColumnType("jsonb");
        builder.HasOne<ProcessingRun>().WithMany().HasForeignKey(c => c.RunId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(c => new { c.RunId, c.TrackNumber, c.Id });
        // The optimistic concurrency check of corrections: a second save of the same version violates this index.
        builder.HasIndex(c => new { c.RunId, c.Version }).IsUnique();
    }
}
