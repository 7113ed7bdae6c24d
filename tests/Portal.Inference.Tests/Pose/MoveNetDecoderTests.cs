namespace Portal.Inference.Tests.Pose;

public class MoveNetDecoderTests
{
    [Fact]
    public void DecodeSinglePose_ReadsYxScoreTriples_IntoSourcePixels()
    {
        var output = new float[17 * 3];
        output[0] = 0.25f; // nose y
        output[1] = 0.5f;  // nose x
        output[2] = 0.9f;
        output[(16 * 3) + 0] = 1f; // right ankle y
        output[(16 * 3) + 1] = 0f;
        output[(16 * 3) + 2] = 0.8f;

        var person = MoveNetDecoder.DecodeSinglePose(output, new Letterbox(400, 200, 192));

        Assert.Equal(17, person.Keypoints.Count);
        Assert.Equal(new Keypoint(200, 0, 0.9f), person.Keypoints[0]); // y: -100 + 0.25 * 400
        Assert.Equal(new Keypoint(0, 300, 0.8f), person.Keypoints[16]);
    }

    [Fact]
    public void DecodeSinglePose_BoxSpansConfidentKeypointsOnly()
    {
        var output = new float[17 * 3];
        void Set(int k, float y, float x, float score) => (output[k * 3], output[(k * 3) + 1], output[(k * 3) + 2]) = (y, x, score);
        Set(0, 0.1f, 0.4f, 0.9f);
        Set(15, 0.9f, 0.6f, 0.5f);
        Set(16, 1.0f, 1.0f, 0.1f); // below the threshold: not in the box

        var person = MoveNetDecoder.DecodeSinglePose(output, new Letterbox(100, 100, 192), boxKeypointThreshold: 0.2f);

        var box = Assert.NotNull(person.Box);
        Assert.Equal(40, box.X1, 3);
        Assert.Equal(10, box.Y1, 3);
        Assert.Equal(60, box.X2, 3);
        Assert.Equal(90, box.Y2, 3);
        Assert.Equal(0.7f, box.Score, 3);
    }

    [Fact]
    public void DecodeSinglePose_HasNoBox_WhenNoKeypointIsConfident()
    {
        var person = MoveNetDecoder.DecodeSinglePose(new float[17 * 3], new Letterbox(100, 100, 192));

        Assert.Null(person.Box);
    }

    [Fact]
    public void DecodeMultiPose_KeepsPeopleAboveTheScore_BestFirst_WithBoxesInSourcePixels()
    {
        var output = new float[6 * 56];
        void Person(int p, float score, float ymin, float xmin, float ymax, float xmax)
        {
            var box = (p * 56) + 51;
            (output[box], output[box + 1], output[box + 2], output[box + 3], output[box + 4]) = (ymin, xmin, ymax, xmax, score);
            output[(p * 56) + 1] = xmin; // nose x
            output[p * 56] = ymin;       // nose y
        }

        Person(0, 0.4f, 0.1f, 0.1f, 0.5f, 0.3f);
        Person(1, 0.1f, 0, 0, 1, 1); // below 0.25: dropped
        Person(2, 0.8f, 0.2f, 0.5f, 0.9f, 0.75f);

        var people = MoveNetDecoder.DecodeMultiPose(output, new Letterbox(200, 100, 256), minPersonScore: 0.25f);

        Assert.Equal(2, people.Count);
        AssertBox(new PersonBox(100, -10, 150, 130, 0.8f), people[0].Box);
        AssertBox(new PersonBox(20, -30, 60, 50, 0.4f), people[1].Box);
        Assert.Equal(100, people[0].Keypoints[0].X, 3);
        Assert.Equal(-10, people[0].Keypoints[0].Y, 3);
    }

    [Fact]
    public void DecodeMultiPose_KeepsOneOfTwoCopiesOfAPerson_TheBetterScored()
    {
        var output = new float[6 * 56];
        void Person(int p, float score, float shift, bool mirrored = false)
        {
            for (var k = 0; k < 17; k++)
            {
                var (y, x) = (0.2f + (0.03f * k), mirrored ? 0.7f - (0.02f * k) : 0.3f + (0.02f * k));
                (output[(p * 56) + (k * 3)], output[(p * 56) + (k * 3) + 1], output[(p * 56) + (k * 3) + 2]) = (y + shift, x + shift, 0.6f);
            }

            var box = (p * 56) + 51;
            (output[box], output[box + 1], output[box + 2], output[box + 3], output[box + 4]) = (0.2f + shift, 0.3f + shift, 0.7f + shift, 0.7f + shift, score);
        }

        Person(0, 0.54f, 0);
        Person(1, 0.55f, 0.001f);                // the same person again, a hair away, scored a little higher
        Person(2, 0.50f, 0.002f, mirrored: true); // a second person in nearly the same box, limbs elsewhere

        var people = MoveNetDecoder.DecodeMultiPose(output, new Letterbox(256, 256, 256));

        Assert.Equal(2, people.Count);
        Assert.Equal(0.55f, people[0].Box!.Value.Score);
        Assert.Equal(0.50f, people[1].Box!.Value.Score);
    }

    [Fact]
    public void IsDuplicate_NeedsBothTheBoxAndTheKeypoints()
    {
        Keypoint[] Line(float x0) => [.. Enumerable.Range(0, 17).Select(k => new Keypoint(x0 + k, 10 * k, 0.9f))];
        var person = new PosePerson(new PersonBox(0, 0, 100, 200, 0.9f), Line(10));

        Assert.True(MoveNetDecoder.IsDuplicate(new PosePerson(new PersonBox(1, 1, 101, 201, 0.8f), Line(11)), person));
        Assert.False(MoveNetDecoder.IsDuplicate(new PosePerson(new PersonBox(1, 1, 101, 201, 0.8f), Line(40)), person));   // limbs elsewhere
        Assert.False(MoveNetDecoder.IsDuplicate(new PosePerson(new PersonBox(50, 0, 150, 200, 0.8f), Line(11)), person));  // boxes apart
        Assert.False(MoveNetDecoder.IsDuplicate(new PosePerson(null, Line(10)), person));
    }

    [Fact]
    public void DecodeMultiPose_RejectsAnOutputOfTheWrongLength()
    {
        Assert.Throws<ArgumentException>(() => MoveNetDecoder.DecodeMultiPose(new float[55], new Letterbox(10, 10, 256)));
    }

    private static void AssertBox(PersonBox expected, PersonBox? actual)
    {
        var box = Assert.NotNull(actual);
        Assert.Equal(expected.X1, box.X1, 3);
        Assert.Equal(expected.Y1, box.Y1, 3);
        Assert.Equal(expected.X2, box.X2, 3);
        Assert.Equal(expected.Y2, box.Y2, 3);
        Assert.Equal(expected.Score, box.Score, 3);
    }
}
