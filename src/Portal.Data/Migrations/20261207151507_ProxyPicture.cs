using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Data.Migrations
{
    /// <inheritdoc />
    public partial class ProxyPicture : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<double>(
                name: "ProxyFps",
                schema: "portal",
                table: "videos",
                type: "double precision",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "ProxyFrameCount",
                schema: "portal",
                table: "videos",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "ProxyHeight",
                schema: "portal",
                table: "videos",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "ProxyWidth",
                schema: "portal",
                table: "videos",
                type: "integer",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ProxyFps",
                schema: "portal",
                table: "videos");

            migrationBuilder.DropColumn(
                name: "ProxyFrameCount",
                schema: "portal",
                table: "videos");

            migrationBuilder.DropColumn(
                name: "ProxyHeight",
                schema: "portal",
                table: "videos");

            migrationBuilder.DropColumn(
                name: "ProxyWidth",
                schema: "portal",
                table: "videos");
        }
    }
}
