namespace Portal.Data.Configurations;

internal sealed class ActionWindowRecordConfiguration : IEntityTypeConfiguration<ActionWindowRecord>
{
    public void Configure(EntityTypeBuilder<ActionWindowRecord> builder)
    {
        builder.ToTable("action_windows");
        builder.HasKey(w => w.Id);
        builder.Property(w => w.TopLabel).HasMaxLength(128);
        builder.HasOne<ProcessingRun>().WithMany().HasForeignKey(w => w.RunId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(w => new { w.RunId, w.TrackNumber, w.WindowIndex }).IsUnique();
    }
}
