using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Portal.Data.Migrations
{
    /// <inheritdoc />
    public partial class LearningLoop : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "model_versions",
                schema: "portal",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    Version = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    OwnerId = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    CardJson = table.Column<string>(type: "jsonb", nullable: false),
                    OnnxKey = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: false),
                    MetricsJson = table.Column<string>(type: "jsonb", nullable: false),
                    LabelsJson = table.Column<string>(type: "jsonb", nullable: false),
                    BaseName = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    BaseVersion = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    TrainedOnJson = table.Column<string>(type: "jsonb", nullable: false),
                    DurationSeconds = table.Column<double>(type: "double precision", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    IsDefault = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_model_versions", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "review_marks",
                schema: "portal",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    VideoId = table.Column<Guid>(type: "uuid", nullable: false),
                    RunId = table.Column<Guid>(type: "uuid", nullable: false),
                    TrackNumber = table.Column<int>(type: "integer", nullable: true),
                    ReviewerId = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    ReviewedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_review_marks", x => x.Id);
                    table.ForeignKey(
                        name: "FK_review_marks_processing_runs_RunId",
                        column: x => x.RunId,
                        principalSchema: "portal",
                        principalTable: "processing_runs",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_review_marks_videos_VideoId",
                        column: x => x.VideoId,
                        principalSchema: "portal",
                        principalTable: "videos",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "training_runs",
                schema: "portal",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    DataOwnerId = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    StartedBy = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    BaseModel = table.Column<string>(type: "character varying(140)", maxLength: 140, nullable: false),
                    ModelName = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    Epochs = table.Column<int>(type: "integer", nullable: false),
                    Status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    StartedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    FinishedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    CountsJson = table.Column<string>(type: "jsonb", nullable: true),
                    EpochsJson = table.Column<string>(type: "jsonb", nullable: false),
                    Error = table.Column<string>(type: "text", nullable: true),
                    ModelVersionId = table.Column<Guid>(type: "uuid", nullable: true),
                    CancelRequested = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_training_runs", x => x.Id);
                    table.ForeignKey(
                        name: "FK_training_runs_model_versions_ModelVersionId",
                        column: x => x.ModelVersionId,
                        principalSchema: "portal",
                        principalTable: "model_versions",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateIndex(
                name: "IX_model_versions_IsDefault",
                schema: "portal",
                table: "model_versions",
                column: "IsDefault",
                unique: true,
                filter: "\"IsDefault\"");

            migrationBuilder.CreateIndex(
                name: "IX_model_versions_Name_Version",
                schema: "portal",
                table: "model_versions",
                columns: new[] { "Name", "Version" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_review_marks_RunId_TrackNumber",
                schema: "portal",
                table: "review_marks",
                columns: new[] { "RunId", "TrackNumber" },
                unique: true)
                .Annotation("Npgsql:NullsDistinct", false);

            migrationBuilder.CreateIndex(
                name: "IX_review_marks_VideoId",
                schema: "portal",
                table: "review_marks",
                column: "VideoId");

            migrationBuilder.CreateIndex(
                name: "IX_training_runs_ModelVersionId",
                schema: "portal",
                table: "training_runs",
                column: "ModelVersionId");

            migrationBuilder.CreateIndex(
                name: "IX_training_runs_StartedBy",
                schema: "portal",
                table: "training_runs",
                column: "StartedBy");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "review_marks",
                schema: "portal");

            migrationBuilder.DropTable(
                name: "training_runs",
                schema: "portal");

            migrationBuilder.DropTable(
                name: "model_versions",
                schema: "portal");
        }
    }
}
