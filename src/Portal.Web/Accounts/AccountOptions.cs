namespace Portal.Web.Accounts;

/// <summary>Portal:Accounts: who may make an account, and the first admin's address.</summary>
public sealed class AccountOptions
{
    public const string SectionName = "Portal:Accounts";

    /// <summary>Whether anyone who reaches the sign-in page may make a User account. Off: admins add accounts.</summary>
    public bool AllowRegistration { get; set; }

    /// <summary>The e-mail of the admin made when the database has no account yet.</summary>
    public string FirstAdminEmail { get; set; } = "admin@localhost";
}
