"""The confidence below which the portal calls a window "uncertain", calibrated per model and written to its card.

Calibration windows are the test split's samples (Penn Action: its validation split) seen as the product sees them
rather than as the benchmark does: through the training-time augmentation (a random temporal crop of the action and,
for coco17 models, a random virtual camera with pose-estimator noise for 3D clips and the same noise for 2D clips;
for kinect20 models a random rotation, scale and jitter), two seeded
views per sample. The threshold is the lowest top-1 probability t such that the windows scoring at least t are
right at least `target` of the time. The top-1 figures of the card do not depend on it (a threshold does not change
the argmax); the precision and coverage written beside it are measured on these windows.

`python3 -m portal_actions.calibration CHECKPOINT.pt` prints the calibration.
"""
from __future__ import annotations

import json
import sys

import numpy as np
import torch

from .experiment import load_checkpoint, load_split, predict, train_input

TARGET_PRECISION = 0.8
VIEWS_PER_SAMPLE = 2
SEED = 11


def threshold_for(confidence: np.ndarray, correct: np.ndarray, target: float) -> tuple[float, float, float]:
    """-> (threshold, precision, coverage) of the lowest threshold whose kept windows reach the target precision;
    (1.0, nan, 0.0) if none does."""
    order = np.argsort(-confidence, kind="stable")
    conf, hits = confidence[order], correct[order].astype(np.float64)
    precision = np.cumsum(hits) / np.arange(1, len(hits) + 1)   # of the k most confident windows
    ok = np.nonzero(precision >= target)[0]
    if len(ok) == 0:
        return 1.0, float("nan"), 0.0
    k = ok[-1]                                                  # keep as many windows as possible
    # Round the threshold down to 2 decimals only if that keeps no extra windows below the exact one.
    t = float(conf[k])
    rounded = np.floor(t * 100) / 100
    if not np.any((conf < t) & (conf >= rounded)):
        t = float(rounded)
    kept = conf >= t
    return t, float(hits[kept].mean()), float(kept.mean())


def calibrate(model: torch.nn.Module, cfg: dict, target: float = TARGET_PRECISION) -> dict:
    rng = np.random.default_rng(SEED)
    test = load_split(cfg, "test")
    inputs, truth = [], []
    for _ in range(VIEWS_PER_SAMPLE):
        for _, s, y in test:
            inputs.append(train_input(cfg, s, rng))
            truth.append(y)
    logits = predict(model, np.stack(inputs))
    probs = torch.softmax(torch.from_numpy(logits), dim=1).numpy()
    confidence, correct = probs.max(1), probs.argmax(1) == np.array(truth)
    t, precision, coverage = threshold_for(confidence, correct, target)
    views = ("random temporal crop + random virtual camera with pose-estimator noise for 3D clips, the same "
             "pose-estimator noise for 2D clips" if cfg["layout"] == "coco17"
             else "random temporal crop + random rotation, scale, shear and jitter")
    splits = ", ".join(f"{d} (its validation split)" if d == "penn-action" else d for d in cfg["datasets"])
    return {"uncertainBelow": round(t, 4),
            "calibration": {"targetPrecision": target, "precision": round(precision, 4),
                            "coverage": round(coverage, 4), "windows": len(truth),
                            "accuracyOfAllWindows": round(float(correct.mean()), 4),
                            "data": f"test split(s) of {splits}, {VIEWS_PER_SAMPLE} views per "
                                    f"sample ({views}), seed {SEED}",
                            "rule": "lowest top-1 probability at which the windows scoring at least that much are "
                                    "right at least targetPrecision of the time"}}


if __name__ == "__main__":
    torch.set_num_threads(1)
    model, cfg, _ = load_checkpoint(sys.argv[1])
    print(json.dumps(calibrate(model, cfg), indent=2))
