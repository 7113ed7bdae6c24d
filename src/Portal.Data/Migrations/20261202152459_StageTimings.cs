using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Portal.Data.Migrations
{
    /// <inheritdoc />
    public partial class StageTimings : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "stage_timings",
                schema: "portal",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    VideoId = table.Column<Guid>(type: "uuid", nullable: false),
                    RunId = table.Column<Guid>(type: "uuid", nullable: true),
                    Stage = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    StartedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    FinishedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Frames = table.Column<int>(type: "integer", nullable: true),
                    Server = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    Machine = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    JobId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_stage_timings", x => x.Id);
                    table.ForeignKey(
                        name: "FK_stage_timings_processing_runs_RunId",
                        column: x => x.RunId,
                        principalSchema: "portal",
                        principalTable: "processing_runs",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_stage_timings_videos_VideoId",
                        column: x => x.VideoId,
                        principalSchema: "portal",
                        principalTable: "videos",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_stage_timings_FinishedAt",
                schema: "portal",
                table: "stage_timings",
                column: "FinishedAt");

            migrationBuilder.CreateIndex(
                name: "IX_stage_timings_RunId_Stage",
                schema: "portal",
                table: "stage_timings",
                columns: new[] { "RunId", "Stage" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_stage_timings_VideoId",
                schema: "portal",
                table: "stage_timings",
                column: "VideoId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "stage_timings",
                schema: "portal");
        }
    }
}
