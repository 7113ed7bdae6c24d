namespace Portal.Data.Configurations;

internal sealed class TrackRecordConfiguration : IEntityTypeConfiguration<TrackRecord>
{
    public void Configure(EntityTypeBuilder<TrackRecord> builder)
    {
        builder.ToTable("tracks");
        builder.HasKey(t => t.Id);
        builder.HasOne<ProcessingRun>().WithMany().HasForeignKey(t => t.RunId).OnDelete(DeleteBehavior.Cascade);
        // A re-run stage replaces its rows; this index makes a duplicate impossible rather than unlikely.
        builder.HasIndex(t => new { t.RunId, t.TrackNumber }).IsUnique();
    }
}
