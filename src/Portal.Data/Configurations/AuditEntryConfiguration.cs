namespace Portal.Data.Configurations;

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> builder)
    {
        builder.ToTable("audit_log");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Id).UseIdentityAlwaysColumn();
        builder.Property(e => e.ActorId).HasMaxLength(128);
        builder.Property(e => e.ActorEmail).HasMaxLength(256);
        builder.Property(e => e.Action).HasMaxLength(64).IsRequired();
        builder.Property(e => e.TargetType).HasMaxLength(32);
        builder.Property(e => e.TargetId).HasMaxLength(128);
        builder.Property(e => e.Detail).HasMaxLength(1000);
        builder.Property(e => e.RemoteAddress).HasMaxLength(64);
        // The page lists newest first, optionally for one action or one actor.
        builder.HasIndex(e => e.At);
        builder.HasIndex(e => new { e.Action, e.At });
        builder.HasIndex(e => new { e.ActorId, e.At });
    }
}
