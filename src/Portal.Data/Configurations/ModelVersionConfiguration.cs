namespace Portal.Data.Configurations;

internal sealed class ModelVersionConfiguration : IEntityTypeConfiguration<ModelVersion>
{
    public void Configure(EntityTypeBuilder<ModelVersion> builder)
    {
        builder.ToTable("model_versions");
        builder.HasKey(m => m.Id);
        builder.Property(m => m.Id).ValueGeneratedNever();
        builder.Property(m => m.Name).HasMaxLength(100).IsRequired();
        builder.Property(m => m.Version).HasMaxLength(32).IsRequired();
        builder.Property(m => m.OwnerId).HasMaxLength(128).IsRequired();
        builder.Property(m => m.OnnxKey).HasMaxLength(512).IsRequired();
        builder.Property(m => m.BaseName).HasMaxLength(100);
        builder.Property(m => m.BaseVersion).HasMaxLength(32);
        builder.Property(m => m.CardJson).HasColumnType("jsonb");
        builder.Property(m => m.MetricsJson).HasColumnType("jsonb");
        builder.Property(m => m.LabelsJson).HasColumnType("jsonb");
        builder.Property(m => m.TrainedOnJson).HasColumnType("jsonb");
        builder.HasIndex(m => new { m.Name, m.Version }).IsUnique();
        // At most one default: a second default row violates this partial unique index.
        builder.HasIndex(m => m.IsDefault).IsUnique().HasFilter("\"IsDefault\"");
    }
}
