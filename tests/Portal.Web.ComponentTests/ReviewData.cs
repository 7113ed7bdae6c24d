namespace Portal.Web.ComponentTests;

/// <summary>A small timeline: two people over ten seconds, one corrected segment, one without a keyframe.</summary>
internal static class ReviewData
{
    public static readonly SegmentDto Walk = new(0, 0, 4, "walk", 0.81f, [new("walk", 0.81f), new("run", 0.1f)], 2, "/api/videos/v/keyframes/1/0.png");

    public static readonly SegmentDto Jump = new(1, 4, 10, "jump", 0.55f, [new("jump", 0.55f), new("walk", 0.3f)], 6, "/api/videos/v/keyframes/1/1.png", Corrected: true, ModelLabel: "run");

    public static readonly SegmentDto Wave = new(0, 2.5, 5, "wave", 0.62f, [new("wave", 0.62f)], null, null);

    public static IReadOnlyList<TrackDto> Tracks() =>
    [
        new TrackDto(1, 0, 10, 100, [Walk, Jump]),
        new TrackDto(2, 2.5, 5, 25, [Wave]),
    ];
}
