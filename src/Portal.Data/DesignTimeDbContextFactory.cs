using Microsoft.EntityFrameworkCore.Design;

namespace Portal.Data;

/// <summary>Lets `dotnet ef migrations add` build the model without a running database.</summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<PortalDbContext>
{
    public PortalDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<PortalDbContext>();
        PortalDbContext.UsePostgres(options, "Host=127.0.0.1;Database=portal_design_time");
        return new PortalDbContext(options.Options);
    }
}
