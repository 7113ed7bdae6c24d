using Portal.Inference.Tracking;

namespace Portal.Inference.Tests.Tracking;

public class PoseTrackerTests
{
    /// <summary>A standing person at (x, y) top-left, 60×160 px, with 17 joints spread over the box.</summary>
    private static PosePerson Person(float x, float y, float score = 0.9f)
    {
        var keypoints = Enumerable.Range(0, Coco17.Count).Select(j => new Keypoint(x + 10 + (j % 3) * 20, y + 10 + j * 8, score)).ToList();
        return new PosePerson(new PersonBox(x, y, x + 60, y + 160, score), keypoints);
    }

    private static List<PersonTrack> Run(PoseTrackerOptions options, params PosePerson[][] frames)
    {
        var finished = new List<PersonTrack>();
        var tracker = new PoseTracker(options, finished.Add);
        for (var f = 0; f < frames.Length; f++)
        {
            tracker.Push(f, frames[f]);
        }

        tracker.Finish();
        return finished.OrderBy(t => t.Id).ToList();
    }

    [Fact]
    public void TwoPeopleWalkingPastEachOther_KeepTheirIds()
    {
        // A walks right, B walks left; they are 300 px apart at the start and never overlap much in one step.
        var frames = Enumerable.Range(0, 20)
            .Select(f => new[] { Person(100 + f * 10, 50), Person(400 - f * 10, 60) })
            .Select(pair => pair.Reverse().ToArray()) // detector order must not matter
            .ToArray();

        var tracks = Run(new PoseTrackerOptions(), frames);

        Assert.Equal(2, tracks.Count);
        Assert.All(tracks, t => Assert.Equal(20, t.Frames.Count));
        var startsLeft = tracks.Single(t => t.Frames[0].Person.Box!.Value.X1 < 200);
        Assert.All(startsLeft.Frames, f => Assert.Equal(100 + f.Frame * 10, f.Person.Box!.Value.X1));
    }

    [Fact]
    public void AShortGap_IsBridged_ALongOneStartsANewTrack()
    {
        var seen = new[] { Person(100, 50) };
        var nobody = Array.Empty<PosePerson>();
        var options = new PoseTrackerOptions { MaxGapFrames = 3 };

        var bridged = Run(options, seen, seen, seen, nobody, nobody, seen, seen);
        var split = Run(options, seen, seen, seen, nobody, nobody, nobody, nobody, seen, seen, seen);

        Assert.Single(bridged);
        Assert.Equal([0, 1, 2, 5, 6], bridged[0].Frames.Select(f => f.Frame));
        Assert.Equal(2, split.Count);
        Assert.NotEqual(split[0].Id, split[1].Id);
    }

    [Fact]
    public void TracksShorterThanTheMinimum_AreDropped()
    {
        var tracks = Run(new PoseTrackerOptions { MinTrackFrames = 3 }, [Person(100, 50), Person(500, 50)], [Person(100, 50)], [Person(100, 50)]);

        var track = Assert.Single(tracks);
        Assert.Equal(3, track.Frames.Count);
    }

    [Fact]
    public void LowScoreDetections_AreIgnored()
    {
        var tracks = Run(new PoseTrackerOptions { MinBoxScore = 0.5f }, [Person(100, 50, 0.1f)], [Person(100, 50, 0.1f)], [Person(100, 50, 0.1f)]);

        Assert.Empty(tracks);
    }

    [Fact]
    public void Push_RefusesFramesOutOfOrder()
    {
        var tracker = new PoseTracker(new PoseTrackerOptions(), _ => { });
        tracker.Push(5, []);

        Assert.Throws<ArgumentOutOfRangeException>(() => tracker.Push(5, []));
    }

    [Fact]
    public void Similarity_IsOneForTheSamePose_AndFallsWithDistance()
    {
        var a = Person(100, 50);

        Assert.Equal(1f, PoseTracker.Similarity(a, a, 0.2f), 3);
        Assert.True(PoseTracker.Similarity(a, Person(110, 50), 0.2f) > PoseTracker.Similarity(a, Person(150, 50), 0.2f));
        Assert.Equal(0f, PoseTracker.Similarity(a, Person(900, 50), 0.2f), 3);
    }

    [Fact]
    public void IntersectionOverUnion_OfHalfOverlappingBoxes_IsOneThird() =>
        Assert.Equal(1f / 3, new BoxF(0, 0, 10, 10).IntersectionOverUnion(new BoxF(5, 0, 15, 10)), 4);
}
