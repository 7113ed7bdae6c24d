using Microsoft.AspNetCore.Identity;

namespace Portal.Data.Entities;

/// <summary>An account. Its <see cref="IdentityUser.Id"/> is the <see cref="Video.OwnerId"/> of what it uploads.</summary>
public class PortalUser : IdentityUser
{
    /// <summary>A disabled account can neither sign in nor use its tokens; its videos stay.</summary>
    public bool Disabled { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>The two roles: users see their own videos, admins see everyone's and manage accounts.</summary>
public static class PortalRoles
{
    public const string User = "User";
    public const string Admin = "Admin";

    public static readonly IReadOnlyList<string> All = [User, Admin];
}
