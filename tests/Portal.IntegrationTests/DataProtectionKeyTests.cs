using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Portal.Data;

namespace Portal.IntegrationTests;

/// <summary>
/// The data-protection key ring (what signs the sign-in cookie) is in the database: another process on the same
/// database, with nothing but that database in common, reads what this host protected, so cookies survive restarts
/// and several web processes share them.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class DataProtectionKeyTests(PortalApp app) : IClassFixture<PortalApp>
{
    [Fact]
    public async Task WhatTheHostProtects_AnotherProcessOnTheSameDatabaseUnprotects()
    {
        // The purpose of ASP.NET Core's cookie authentication; the keys, not the purpose, are what must be shared.
        const string purpose = "Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationMiddleware";
        var protectedText = app.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector(purpose).Protect("signed in");

        await using var db = await app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        Assert.True(await db.DataProtectionKeys.CountAsync() >= 1);

        var services = new ServiceCollection();
        services.AddDbContext<PortalDbContext>(options => PortalDbContext.UsePostgres(options, app.ConnectionString));
        services.AddDataProtection().PersistKeysToDbContext<PortalDbContext>().SetApplicationName("Portal");
        await using var other = services.BuildServiceProvider();

        Assert.Equal("signed in", other.GetRequiredService<IDataProtectionProvider>().CreateProtector(purpose).Unprotect(protectedText));
    }
}
