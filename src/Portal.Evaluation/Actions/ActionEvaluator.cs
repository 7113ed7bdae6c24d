namespace Portal.Evaluation.Actions;

/// <summary>
/// Top-1 of an action model on a 3D dataset's test split, the way training/portal_actions/train.py evaluates: the
/// whole clip is one window; a coco17 model sees each frame of a 3D sample through
/// <see cref="SkeletonLayouts.EvalProjection"/> and a 2D sample's frames as they are.
/// </summary>
public static class ActionEvaluator
{
    public static ActionEvaluationResult Evaluate(ActionRecognizer recognizer, IReadOnlyList<ActionSample> samples, string dataset, CancellationToken cancellationToken = default)
    {
        var card = recognizer.Card;
        const int batch = 64;
        var correct = 0;
        var predictions = new SortedDictionary<string, int>(StringComparer.Ordinal);
        for (var start = 0; start < samples.Count; start += batch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var n = Math.Min(batch, samples.Count - start);
            var input = new float[n * recognizer.WindowSize];
            for (var i = 0; i < n; i++)
            {
                var sample = samples[start + i];
                if (sample.Layout != card.Layout && sample.Layout != SkeletonLayouts.Kinect20)
                {
                    throw new InvalidDataException($"{sample.Id}: {sample.Layout} frames cannot feed a {card.Layout} model.");
                }

                IReadOnlyList<double[]> fed = sample.Layout != card.Layout
                    ? sample.Frames.Select(f => SkeletonLayouts.EvalProjection(f)).ToList()
                    : sample.Frames;
                WindowNormalizer.Prepare(fed, card.Layout, card.Window.Frames, input.AsSpan(i * recognizer.WindowSize, recognizer.WindowSize));
            }

            var outputs = recognizer.Run(input, n, topK: 1);
            for (var i = 0; i < n; i++)
            {
                var sample = samples[start + i];
                var best = outputs[i].TopK[0].Label;
                predictions[$"{dataset}/{sample.Id}"] = IndexOf(card.Labels, best);
                if (best == sample.Label)
                {
                    correct++;
                }
            }
        }

        return new ActionEvaluationResult(samples.Count == 0 ? 0 : (double)correct / samples.Count, samples.Count, predictions);
    }

    private static int IndexOf(IReadOnlyList<string> labels, string label)
    {
        for (var i = 0; i < labels.Count; i++)
        {
            if (labels[i] == label)
            {
                return i;
            }
        }

        return -1;
    }
}

/// <summary>Predictions keyed "dataset/sample id" -> label index, as training/portal_actions/train.py writes them.</summary>
public sealed record ActionEvaluationResult(double Top1, int Count, SortedDictionary<string, int> Predictions);
