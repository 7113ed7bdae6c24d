namespace Portal.Inference.Actions;

/// <summary>
/// Turns the frames of one time window into the model input, exactly as training does
/// (training/portal_actions/normalize.py; the written spec is docs/models.md#window-normalization).
/// A frame is a flat array of V joints x 3 values: (x, y, z) metres for kinect20, (x px, y px, score) for coco17.
/// The output is [T, V, 3] float32, row-major, ready for the model's <c>joints</c> input.
/// </summary>
public static class WindowNormalizer
{
    /// <summary>Window frame t is input frame floor((t + 0.5) * F / T), clamped to F - 1.</summary>
    public static int[] ResampleIndices(int frameCount, int window)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(frameCount, 1);
        var idx = new int[window];
        for (var t = 0; t < window; t++)
        {
            idx[t] = Math.Min((int)Math.Floor((t + 0.5) * frameCount / window), frameCount - 1);
        }

        return idx;
    }

    /// <summary>Resamples <paramref name="frames"/> to <paramref name="window"/> frames and normalizes them into <paramref name="into"/>.</summary>
    public static void Prepare(IReadOnlyList<double[]> frames, string layout, int window, Span<float> into)
    {
        var idx = ResampleIndices(frames.Count, window);
        var picked = new double[window][];
        for (var t = 0; t < window; t++)
        {
            picked[t] = frames[idx[t]];
        }

        var normalized = Normalize(picked, layout);
        var v = SkeletonLayouts.JointCount(layout) * 3;
        if (into.Length != window * v)
        {
            throw new ArgumentException($"expected a buffer of {window * v} floats, got {into.Length}", nameof(into));
        }

        for (var t = 0; t < window; t++)
        {
            for (var i = 0; i < v; i++)
            {
                into[t * v + i] = (float)normalized[t][i];
            }
        }
    }

    public static double[][] Normalize(IReadOnlyList<double[]> window, string layout) => layout switch
    {
        SkeletonLayouts.Kinect20 => NormalizeKinect20(window),
        SkeletonLayouts.Coco17 => NormalizeCoco17(window),
        _ => throw new ArgumentException($"unknown layout '{layout}'", nameof(layout)),
    };

    /// <summary>Minus the mean hip centre (joint 0) over the window; metres, no scaling.</summary>
    public static double[][] NormalizeKinect20(IReadOnlyList<double[]> window)
    {
        double cx = 0, cy = 0, cz = 0;
        foreach (var f in window)
        {
            cx += f[0];
            cy += f[1];
            cz += f[2];
        }

        cx /= window.Count;
        cy /= window.Count;
        cz /= window.Count;
        var result = new double[window.Count][];
        for (var t = 0; t < window.Count; t++)
        {
            var f = window[t];
            var o = new double[20 * 3];
            for (var j = 0; j < 20; j++)
            {
                o[j * 3] = f[j * 3] - cx;
                o[j * 3 + 1] = f[j * 3 + 1] - cy;
                o[j * 3 + 2] = f[j * 3 + 2] - cz;
            }

            result[t] = o;
        }

        return result;
    }

    /// <summary>
    /// Centre = hip midpoint averaged over frames with weight min(hip scores) (fallback: score-weighted mean of all
    /// keypoints; (0, 0) without any score); scale = torso length averaged with weight min(shoulder and hip scores)
    /// (fallback: score-weighted RMS distance from the centre; 1 when below 1e-6). Scores clipped to [0, 1];
    /// keypoints with score 0 become (0, 0, 0).
    /// </summary>
    public static double[][] NormalizeCoco17(IReadOnlyList<double[]> window)
    {
        const int v = 17;
        var n = window.Count;
        double S(int t, int j) => Math.Clamp(window[t][j * 3 + 2], 0.0, 1.0);
        double X(int t, int j) => window[t][j * 3];
        double Y(int t, int j) => window[t][j * 3 + 1];

        double hipW = 0, hx = 0, hy = 0, torsoW = 0, torso = 0, sAll = 0, ax = 0, ay = 0;
        for (var t = 0; t < n; t++)
        {
            var midHipX = (X(t, 11) + X(t, 12)) / 2.0;
            var midHipY = (Y(t, 11) + Y(t, 12)) / 2.0;
            var midShX = (X(t, 5) + X(t, 6)) / 2.0;
            var midShY = (Y(t, 5) + Y(t, 6)) / 2.0;
            var wh = Math.Min(S(t, 11), S(t, 12));
            var wt = Math.Min(wh, Math.Min(S(t, 5), S(t, 6)));
            hipW += wh;
            hx += wh * midHipX;
            hy += wh * midHipY;
            torsoW += wt;
            torso += wt * Math.Sqrt((midShX - midHipX) * (midShX - midHipX) + (midShY - midHipY) * (midShY - midHipY));
            for (var j = 0; j < v; j++)
            {
                var s = S(t, j);
                sAll += s;
                ax += s * X(t, j);
                ay += s * Y(t, j);
            }
        }

        double cx, cy;
        if (hipW >= 1e-3)
        {
            cx = hx / hipW;
            cy = hy / hipW;
        }
        else if (sAll > 0)
        {
            cx = ax / sAll;
            cy = ay / sAll;
        }
        else
        {
            cx = cy = 0;
        }

        double scale;
        if (torsoW >= 1e-3)
        {
            scale = torso / torsoW;
        }
        else if (sAll > 0)
        {
            double acc = 0;
            for (var t = 0; t < n; t++)
            {
                for (var j = 0; j < v; j++)
                {
                    var dx = X(t, j) - cx;
                    var dy = Y(t, j) - cy;
                    acc += S(t, j) * (dx * dx + dy * dy);
                }
            }

            scale = Math.Sqrt(acc / sAll);
        }
        else
        {
            scale = 1.0;
        }

        if (scale < 1e-6)
        {
            scale = 1.0;
        }

        var result = new double[n][];
        for (var t = 0; t < n; t++)
        {
            var o = new double[v * 3];
            for (var j = 0; j < v; j++)
            {
                var s = S(t, j);
                if (s > 0)
                {
                    o[j * 3] = (X(t, j) - cx) / scale;
                    o[j * 3 + 1] = (Y(t, j) - cy) / scale;
                }

                o[j * 3 + 2] = s;
            }

            result[t] = o;
        }

        return result;
    }
}
