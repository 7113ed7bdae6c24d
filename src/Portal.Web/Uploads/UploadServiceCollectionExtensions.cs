namespace Portal.Web.Uploads;

public static class UploadServiceCollectionExtensions
{
    /// <summary>The resumable (tus) upload store and the sweeper of abandoned uploads.</summary>
    public static IServiceCollection AddPortalResumableUploads(this IServiceCollection services)
    {
        services.AddSingleton<TusUploadStore>();
        services.AddHostedService<ExpiredUploadSweeper>();
        return services;
    }
}
