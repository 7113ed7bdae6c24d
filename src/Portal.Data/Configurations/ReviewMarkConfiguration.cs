namespace Portal.Data.Configurations;

internal sealed class ReviewMarkConfiguration : IEntityTypeConfiguration<ReviewMark>
{
    public void Configure(EntityTypeBuilder<ReviewMark> builder)
    {
        builder.ToTable("review_marks");
        builder.HasKey(m => m.Id);
        builder.Property(m => m.ReviewerId).HasMaxLength(128).IsRequired();
        builder.HasOne<Video>().WithMany().HasForeignKey(m => m.VideoId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<ProcessingRun>().WithMany().HasForeignKey(m => m.RunId).OnDelete(DeleteBehavior.Cascade);
        // One mark per track and one whole-video mark per run: NULLS NOT DISTINCT makes the null track unique too.
        builder.HasIndex(m => new { m.RunId, m.TrackNumber }).IsUnique().AreNullsDistinct(false);
        builder.HasIndex(m => m.VideoId);
    }
}
