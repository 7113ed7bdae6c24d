using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Portal.Data.Migrations
{
    /// <inheritdoc />
    public partial class ProcessingResults : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "CurrentRunId",
                schema: "portal",
                table: "videos",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "EstimatedStageEnd",
                schema: "portal",
                table: "videos",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "processing_runs",
                schema: "portal",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    VideoId = table.Column<Guid>(type: "uuid", nullable: false),
                    OwnerId = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    FinishedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    Status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    CompletedStage = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    PoseModel = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    PoseModelVersion = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    ActionModel = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    ActionModelVersion = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    AnalysisFps = table.Column<double>(type: "double precision", nullable: false),
                    WindowStrideSeconds = table.Column<double>(type: "double precision", nullable: false),
                    Note = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    Error = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    AnalysedFrames = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_processing_runs", x => x.Id);
                    table.ForeignKey(
                        name: "FK_processing_runs_videos_VideoId",
                        column: x => x.VideoId,
                        principalSchema: "portal",
                        principalTable: "videos",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "action_windows",
                schema: "portal",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    RunId = table.Column<Guid>(type: "uuid", nullable: false),
                    TrackNumber = table.Column<int>(type: "integer", nullable: false),
                    WindowIndex = table.Column<int>(type: "integer", nullable: false),
                    StartSeconds = table.Column<double>(type: "double precision", nullable: false),
                    EndSeconds = table.Column<double>(type: "double precision", nullable: false),
                    TopLabel = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    TopScore = table.Column<float>(type: "real", nullable: false),
                    Probabilities = table.Column<byte[]>(type: "bytea", nullable: false),
                    FrameAttention = table.Column<byte[]>(type: "bytea", nullable: false),
                    JointAttention = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_action_windows", x => x.Id);
                    table.ForeignKey(
                        name: "FK_action_windows_processing_runs_RunId",
                        column: x => x.RunId,
                        principalSchema: "portal",
                        principalTable: "processing_runs",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "segments",
                schema: "portal",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    RunId = table.Column<Guid>(type: "uuid", nullable: false),
                    TrackNumber = table.Column<int>(type: "integer", nullable: false),
                    SegmentIndex = table.Column<int>(type: "integer", nullable: false),
                    StartSeconds = table.Column<double>(type: "double precision", nullable: false),
                    EndSeconds = table.Column<double>(type: "double precision", nullable: false),
                    Label = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    Confidence = table.Column<float>(type: "real", nullable: false),
                    TopKJson = table.Column<string>(type: "jsonb", nullable: false),
                    FirstWindow = table.Column<int>(type: "integer", nullable: false),
                    WindowCount = table.Column<int>(type: "integer", nullable: false),
                    KeyframeSeconds = table.Column<double>(type: "double precision", nullable: true),
                    KeyframePath = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_segments", x => x.Id);
                    table.ForeignKey(
                        name: "FK_segments_processing_runs_RunId",
                        column: x => x.RunId,
                        principalSchema: "portal",
                        principalTable: "processing_runs",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "tracks",
                schema: "portal",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    RunId = table.Column<Guid>(type: "uuid", nullable: false),
                    TrackNumber = table.Column<int>(type: "integer", nullable: false),
                    StartSeconds = table.Column<double>(type: "double precision", nullable: false),
                    EndSeconds = table.Column<double>(type: "double precision", nullable: false),
                    FrameCount = table.Column<int>(type: "integer", nullable: false),
                    Poses = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_tracks", x => x.Id);
                    table.ForeignKey(
                        name: "FK_tracks_processing_runs_RunId",
                        column: x => x.RunId,
                        principalSchema: "portal",
                        principalTable: "processing_runs",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_action_windows_RunId_TrackNumber_WindowIndex",
                schema: "portal",
                table: "action_windows",
                columns: new[] { "RunId", "TrackNumber", "WindowIndex" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_processing_runs_VideoId_CreatedAt",
                schema: "portal",
                table: "processing_runs",
                columns: new[] { "VideoId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_segments_RunId_TrackNumber_SegmentIndex",
                schema: "portal",
                table: "segments",
                columns: new[] { "RunId", "TrackNumber", "SegmentIndex" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_tracks_RunId_TrackNumber",
                schema: "portal",
                table: "tracks",
                columns: new[] { "RunId", "TrackNumber" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "action_windows",
                schema: "portal");

            migrationBuilder.DropTable(
                name: "segments",
                schema: "portal");

            migrationBuilder.DropTable(
                name: "tracks",
                schema: "portal");

            migrationBuilder.DropTable(
                name: "processing_runs",
                schema: "portal");

            migrationBuilder.DropColumn(
                name: "CurrentRunId",
                schema: "portal",
                table: "videos");

            migrationBuilder.DropColumn(
                name: "EstimatedStageEnd",
                schema: "portal",
                table: "videos");
        }
    }
}
