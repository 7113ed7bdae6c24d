namespace Portal.Data.Configurations;

internal sealed class VideoConfiguration : IEntityTypeConfiguration<Video>
{
    public void Configure(EntityTypeBuilder<Video> builder)
    {
        builder.ToTable("videos");
        builder.HasKey(v => v.Id);
        builder.Property(v => v.Id).ValueGeneratedNever();
        builder.Ignore(v => v.DisplaySize);
        builder.Ignore(v => v.Proxy);
        builder.Property(v => v.OwnerId).HasMaxLength(128).IsRequired();
        builder.Property(v => v.OriginalFileName).HasMaxLength(512).IsRequired();
        // The column keeps the name it was created with (StoredPath): renaming the property needs no migration.
        builder.Property(v => v.MediaKey).HasColumnName("StoredPath").HasMaxLength(512).IsRequired();
        builder.Property(v => v.Sha256).HasMaxLength(64).IsFixedLength().IsRequired();
        builder.Property(v => v.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(v => v.Stage).HasMaxLength(64);
        builder.Property(v => v.Error).HasMaxLength(2000);
        builder.Property(v => v.Codec).HasMaxLength(64);
        builder.HasIndex(v => new { v.OwnerId, v.UploadedAt });
        builder.HasIndex(v => v.MediaKey).IsUnique();
    }
}
