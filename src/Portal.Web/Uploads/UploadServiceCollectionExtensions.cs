namespace Portal.Web.Uploads;

public static class UploadServiceCollectionExtensions
{
    /// <summary>The resumable (tus) upload store, its list of unfinished uploads, and the sweeper of abandoned uploads.</summary>
    public static IServiceCollection AddPortalResumableUploads(this IServiceCollection services)
    {
        services.AddSingleton<TusUploadStore>();
        services.AddScoped<UnfinishedUploads>();
        services.AddHostedService<ExpiredUploadSweeper>();
        return services;
    }
}
