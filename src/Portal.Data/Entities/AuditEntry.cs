namespace Portal.Data.Entities;

/// <summary>
/// One line of the audit log: who did what to what, when and from where. Rows are only ever added. The actor's e-mail
/// is copied rather than joined, so a line still says who it was after the account changes its address; and there is
/// no foreign key to the account, so no change to accounts can remove or rewrite what was logged.
/// </summary>
public class AuditEntry
{
    private AuditEntry()
    {
    }

    public long Id { get; private set; }

    public DateTimeOffset At { get; private set; }

    /// <summary>The account that acted; null when nobody was signed in (a failed sign-in, the command line).</summary>
    public string? ActorId { get; private set; }

    /// <summary>The actor's e-mail, or the e-mail someone typed when signing in failed.</summary>
    public string? ActorEmail { get; private set; }

    /// <summary>A dotted name from <c>AuditActions</c>, such as "signin.failed" or "video.deleted".</summary>
    public string Action { get; private set; } = "";

    /// <summary>What kind of thing was acted on ("user", "token", "video", "training", "model").</summary>
    public string? TargetType { get; private set; }

    public string? TargetId { get; private set; }

    /// <summary>A short sentence for a person (the target's e-mail, the new role, the token's name).</summary>
    public string? Detail { get; private set; }

    /// <summary>The client's IP address, when the action came in over HTTP.</summary>
    public string? RemoteAddress { get; private set; }

    public static AuditEntry Create(DateTimeOffset at, string? actorId, string? actorEmail, string action, string? targetType, string? targetId, string? detail, string? remoteAddress) => new()
    {
        At = at,
        ActorId = actorId,
        ActorEmail = Clip(actorEmail, 256),
        Action = action,
        TargetType = targetType,
        TargetId = Clip(targetId, 128),
        Detail = Clip(detail, 1000),
        RemoteAddress = remoteAddress,
    };

    // What a person typed (a sign-in e-mail) may be any length; the log keeps enough of it to read.
    private static string? Clip(string? text, int length) => text is { Length: var n } && n > length ? text[..length] : text;
}
