using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Data.Entities;

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

internal sealed class SegmentRecordConfiguration : IEntityTypeConfiguration<SegmentRecord>
{
    public void Configure(EntityTypeBuilder<SegmentRecord> builder)
    {
        builder.ToTable("segments");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Label).HasMaxLength(128);
        builder.Property(s => s.TopKJson).HasColumnType("jsonb");
        builder.Property(s => s.KeyframePath).HasMaxLength(512);
        builder.HasOne<ProcessingRun>().WithMany().HasForeignKey(s => s.RunId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(s => new { s.RunId, s.TrackNumber, s.SegmentIndex }).IsUnique();
    }
}

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
