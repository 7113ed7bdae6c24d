using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Data.Migrations
{
    /// <inheritdoc />
    public partial class SegmentCorrectionVersions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "Version",
                schema: "portal",
                table: "segment_corrections",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            // Corrections made before versions existed are numbered in the order they were made, per run, so the
            // unique index holds and the next correction of a run continues after them.
            migrationBuilder.Sql("""
                UPDATE portal.segment_corrections AS c
                SET "Version" = numbered.version
                FROM (SELECT "Id", row_number() OVER (PARTITION BY "RunId" ORDER BY "Id") AS version
                      FROM portal.segment_corrections) AS numbered
                WHERE c."Id" = numbered."Id";
                """);

            migrationBuilder.CreateIndex(
                name: "IX_segment_corrections_RunId_Version",
                schema: "portal",
                table: "segment_corrections",
                columns: new[] { "RunId", "Version" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_segment_corrections_RunId_Version",
                schema: "portal",
                table: "segment_corrections");

            migrationBuilder.DropColumn(
                name: "Version",
                schema: "portal",
                table: "segment_corrections");
        }
    }
}
