namespace Portal.Web.Accounts;

/// <summary>The owner rule: a caller sees its own videos (and through them their runs, results and media); an admin sees all.</summary>
public static class VideoVisibility
{
    public static IQueryable<Video> VisibleTo(this IQueryable<Video> videos, ICurrentUser caller)
    {
        if (caller.IsAdmin)
        {
            return videos;
        }

        // A local, so EF sends the id as a parameter instead of reading the interface inside the expression.
        var ownerId = caller.OwnerId;
        return videos.Where(v => v.OwnerId == ownerId);
    }
}
