namespace Portal.Web.Components.Library;

/// <summary>What the library shows: videos with this status, this action label, this text in the file name.</summary>
public sealed record LibraryFilter(VideoStatus? Status = null, string? Label = null, string? Search = null)
{
    public static readonly LibraryFilter None = new();

    public bool IsActive => Status is not null || Label is not null || Search is not null;
}
