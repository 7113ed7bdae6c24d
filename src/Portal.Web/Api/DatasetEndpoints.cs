using System.IO.Compression;
using Portal.Jobs.Learning;
using Portal.Web.Accounts;
using Portal.Web.Learning;

namespace Portal.Web.Api;

public static class DatasetEndpoints
{
    public static IEndpointRouteBuilder MapDatasetApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/datasets/reviewed", ReviewedAsync).WithTags("Datasets").WithName("ExportReviewedDataset");
        return app;
    }

    /// <summary>
    /// GET /api/datasets/reviewed[?owner=EMAIL]: the reviewed training set (docs/formats.md) as a zip of the directory
    /// `./portal dataset export` writes: the caller's reviewed tracks; for an admin everyone's, or the named owner's.
    /// </summary>
    private static async Task<IResult> ReviewedAsync(string? owner, HttpContext context, ICurrentUser user, ReviewedDatasetAccess access, ReviewedDataset dataset, CancellationToken cancellationToken)
    {
        var (found, ownerId) = await access.ResolveAsync(user, owner, cancellationToken);
        if (!found)
        {
            return Results.Problem(statusCode: 404, title: "No such owner.");
        }

        // Written to a scratch directory and zipped to a file that deletes itself when the response has been sent:
        // skeletons of long videos are too big to hold in memory.
        var scratch = Directory.CreateTempSubdirectory("portal-dataset-");
        try
        {
            await dataset.ExportAsync(ownerId, scratch.FullName, cancellationToken);
            var zipPath = Path.Combine(Path.GetTempPath(), $"portal-dataset-{Guid.NewGuid():N}.zip");
            await ZipFile.CreateFromDirectoryAsync(scratch.FullName, zipPath, CompressionLevel.Fastest, includeBaseDirectory: false, cancellationToken);
            var zip = new FileStream(zipPath, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
            context.Response.Headers.ContentDisposition = "attachment; filename=\"reviewed-dataset.zip\"";
            return Results.Stream(zip, "application/zip");
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }
}
