namespace Portal.Data.Configurations;

internal sealed class TrainingRunConfiguration : IEntityTypeConfiguration<TrainingRun>
{
    public void Configure(EntityTypeBuilder<TrainingRun> builder)
    {
        builder.ToTable("training_runs");
        builder.HasKey(t => t.Id);
        builder.Property(t => t.Id).ValueGeneratedNever();
        builder.Property(t => t.DataOwnerId).HasMaxLength(128);
        builder.Property(t => t.StartedBy).HasMaxLength(128).IsRequired();
        builder.Property(t => t.BaseModel).HasMaxLength(140).IsRequired();
        builder.Property(t => t.ModelName).HasMaxLength(100).IsRequired();
        builder.Property(t => t.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(t => t.CountsJson).HasColumnType("jsonb");
        builder.Property(t => t.EpochsJson).HasColumnType("jsonb");
        builder.HasOne<ModelVersion>().WithMany().HasForeignKey(t => t.ModelVersionId).OnDelete(DeleteBehavior.SetNull);
        builder.HasIndex(t => t.StartedBy);
    }
}
