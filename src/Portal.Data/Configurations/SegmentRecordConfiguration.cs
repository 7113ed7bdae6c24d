namespace Portal.Data.Configurations;

internal sealed class SegmentRecordConfiguration : IEntityTypeConfiguration<SegmentRecord>
{
    public void Configure(EntityTypeBuilder<SegmentRecord> builder)
    {
        builder.ToTable("segments");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Label).HasMaxLength(128);
        builder.Property(s => s.TopKJson).HasColumnType("jsonb");
        // The column keeps the name it was created with (KeyframePath): renaming the property needs no migration.
        builder.Property(s => s.KeyframeKey).HasColumnName("KeyframePath").HasMaxLength(512);
        builder.HasOne<ProcessingRun>().WithMany().HasForeignKey(s => s.RunId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(s => new { s.RunId, s.TrackNumber, s.SegmentIndex }).IsUnique();
    }
}
