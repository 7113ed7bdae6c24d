namespace Portal.Web.Accounts;

/// <summary>
/// Who is asking: the one answer every page, endpoint and query takes, so that deciding whose videos a request may see
/// happens in one place (<see cref="VideoVisibility"/>) and not at each call site.
/// </summary>
public interface ICurrentUser
{
    /// <summary>The id stored as <see cref="Video.OwnerId"/> on what this caller uploads: the account's id.</summary>
    string OwnerId { get; }

    /// <summary>Admins see every owner's videos.</summary>
    bool IsAdmin { get; }
}
