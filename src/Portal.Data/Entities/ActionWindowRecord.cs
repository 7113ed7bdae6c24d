namespace Portal.Data.Entities;

/// <summary>One classified window of one track, with the attention that explains it (float16 blobs).</summary>
public class ActionWindowRecord
{
    private ActionWindowRecord()
    {
    }

    public long Id { get; private set; }

    public Guid RunId { get; private set; }

    public int TrackNumber { get; private set; }

    public int WindowIndex { get; private set; }

    public double StartSeconds { get; private set; }

    public double EndSeconds { get; private set; }

    public string TopLabel { get; private set; } = "";

    public float TopScore { get; private set; }

    /// <summary>Softmax over the model's labels, float16, in the model card's label order.</summary>
    public byte[] Probabilities { get; private set; } = [];

    /// <summary>[T] float16: how much each of the window's frames drove the decision (sums to 1).</summary>
    public byte[] FrameAttention { get; private set; } = [];

    /// <summary>[T, V] float16 row-major: how much each joint drove it, per frame (rows sum to 1).</summary>
    public byte[] JointAttention { get; private set; } = [];

    public static ActionWindowRecord Create(Guid runId, int trackNumber, int windowIndex, double start, double end, string topLabel, float topScore, byte[] probabilities, byte[] frameAttention, byte[] jointAttention) => new()
    {
        RunId = runId,
        TrackNumber = trackNumber,
        WindowIndex = windowIndex,
        StartSeconds = start,
        EndSeconds = end,
        TopLabel = topLabel,
        TopScore = topScore,
        Probabilities = probabilities,
        FrameAttention = frameAttention,
        JointAttention = jointAttention,
    };
}
