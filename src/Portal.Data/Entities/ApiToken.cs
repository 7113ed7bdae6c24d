namespace Portal.Data.Entities;

/// <summary>
/// A personal API token. Only the SHA-256 of the token is stored: the token itself is shown once, at creation. A fast
/// hash is enough because the token is 256 random bits, not a password a person chose: no dictionary or brute force
/// reaches it, and a plain hash can be looked up by index on every request.
/// </summary>
public class ApiToken
{
    private ApiToken()
    {
    }

    public Guid Id { get; private set; }

    public string UserId { get; private set; } = "";

    /// <summary>What the owner calls it ("laptop", "CI").</summary>
    public string Name { get; private set; } = "";

    /// <summary>Lowercase hex SHA-256 of the token's text.</summary>
    public string Hash { get; private set; } = "";

    /// <summary>The first characters of the token, so a person can tell tokens apart in a list.</summary>
    public string Prefix { get; private set; } = "";

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset? LastUsedAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }

    public static ApiToken Create(string userId, string name, string hash, string prefix, DateTimeOffset createdAt) => new()
    {
        Id = Guid.NewGuid(),
        UserId = userId,
        Name = name,
        Hash = hash,
        Prefix = prefix,
        CreatedAt = createdAt,
    };
}
