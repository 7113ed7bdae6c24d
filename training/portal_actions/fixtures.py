"""Writes the shared normalization fixture (tests/Portal.Inference.Tests/Actions/Fixtures/normalization.json):
raw windows and what the spec in docs/models.md makes of them. pytest checks that the committed file still
matches this code; the C# tests check WindowNormalizer and the projection against the same file.

`python3 -m portal_actions.fixtures [--check]`
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from .data import REPO_ROOT, load_msr, load_nwucla
from .normalize import normalize, resample_indices
from .skeletons import eval_projection

FIXTURE = REPO_ROOT / "tests" / "Portal.Inference.Tests" / "Actions" / "Fixtures" / "normalization.json"


def _round(a: np.ndarray) -> list:
    return np.round(np.asarray(a, dtype=np.float64), 9).tolist()


def build() -> dict:
    rng = np.random.default_rng(42)
    cases = []
    # Kinect20 from real data (one file of each dataset, first 12 frames).
    for name, sample in [("nw-ucla", load_nwucla("test", limit=1)[0]), ("msr-action3d", load_msr("test", limit=1)[0])]:
        raw = sample.joints[:12]
        cases.append({"name": f"kinect20 {name} {sample.id}", "layout": "kinect20", "raw": _round(raw),
                      "expected": _round(normalize(raw, "kinect20"))})
    # COCO-17: a projected real sample, a noisy one with dropped joints, one without hips, one with no scores.
    sample = load_nwucla("test", limit=1)[0]
    proj = eval_projection(sample.joints[:10])
    cases.append({"name": "coco17 projected", "layout": "coco17", "raw": _round(proj),
                  "expected": _round(normalize(proj, "coco17"))})
    noisy = proj + np.concatenate([rng.normal(0, 3, proj[..., :2].shape), np.zeros(proj[..., 2:].shape)], -1)
    noisy[..., 2] = rng.uniform(-0.1, 1.1, noisy.shape[:2])
    noisy[rng.random(noisy.shape[:2]) < 0.2, 2] = 0.0
    cases.append({"name": "coco17 noisy scores and dropped joints", "layout": "coco17", "raw": _round(noisy),
                  "expected": _round(normalize(noisy, "coco17"))})
    no_hips = noisy.copy()
    no_hips[:, 11:13, 2] = 0.0
    cases.append({"name": "coco17 without hips", "layout": "coco17", "raw": _round(no_hips),
                  "expected": _round(normalize(no_hips, "coco17"))})
    nothing = noisy.copy()
    nothing[..., 2] = 0.0
    cases.append({"name": "coco17 all scores zero", "layout": "coco17", "raw": _round(nothing),
                  "expected": _round(normalize(nothing, "coco17"))})
    resample = [{"frames": f, "window": t, "indices": resample_indices(f, t).tolist()}
                for f, t in [(1, 32), (7, 32), (31, 32), (32, 32), (33, 32), (100, 32), (201, 32), (45, 8)]]
    projection = {"sample": sample.id, "joints": _round(sample.joints[:3]), "expected": _round(eval_projection(sample.joints[:3]))}
    return {"cases": cases, "resample": resample, "projection": projection}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args(argv)
    text = json.dumps(build(), indent=None) + "\n"
    if args.check:
        ok = FIXTURE.exists() and FIXTURE.read_text() == text
        print("normalization fixture is " + ("up to date" if ok else "STALE: run python3 -m portal_actions.fixtures"))
        return 0 if ok else 1
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    FIXTURE.write_text(text)
    print(FIXTURE)
    return 0


if __name__ == "__main__":
    sys.exit(main())
