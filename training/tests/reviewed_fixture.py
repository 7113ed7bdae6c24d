"""Writes a small synthetic reviewed training set (learning contract §1) for the tests and the timing run: a COCO-17
person in a 640x480 frame doing one movement per labelled segment (squat: the body bobs down and up; wave: the right
forearm swings above the head; arm circles: both wrists circle at shoulder height), with a little noise.

`python3 tests/reviewed_fixture.py OUTDIR --videos N [--seconds S]` writes one with N videos of one track each.
"""
from __future__ import annotations

import argparse
import json
import uuid
from pathlib import Path

import numpy as np

LABELS = ["arm circles", "squat", "wave"]
# A standing person, pixels: nose, eyes, ears, shoulders, elbows, wrists, hips, knees, ankles.
STANDING = np.array([
    [320, 100], [315, 95], [325, 95], [308, 98], [332, 98], [295, 130], [345, 130], [285, 170], [355, 170],
    [280, 205], [360, 205], [305, 210], [335, 210], [303, 260], [337, 260], [302, 310], [338, 310]], dtype=float)


def pose(label: str, t: float, rng: np.random.Generator) -> list[list[float]]:
    p = STANDING.copy()
    phase = 2 * np.pi * t / 1.6
    if label == "squat":
        depth = 30 * (1 - np.cos(phase)) / 2
        p[:13, 1] += depth          # everything above the knees goes down
        p[13:15, 0] += np.array([-1, 1]) * depth * 0.6  # knees out
    elif label == "wave":
        p[8] = [360, 95]
        p[10] = [360 + 30 * np.sin(phase), 55]
    elif label == "arm circles":
        for wrist, side in ((9, -1), (10, 1)):
            p[wrist] = [320 + side * (75 + 15 * np.cos(phase)), 130 + 15 * np.sin(phase)]
    p += rng.normal(0, 1.5, size=p.shape)
    return [[float(x), float(y), 0.9] for x, y in p]


def write_set(out: Path, videos: int, seconds: float = 12.0, fps: float = 16.0, seed: int = 0,
              labels: list[str] = LABELS) -> Path:
    """Each video: one track, `seconds` long, cut into equal segments cycling through `labels`."""
    rng = np.random.default_rng(seed)
    (out / "tracks").mkdir(parents=True, exist_ok=True)
    tracks = []
    for v in range(videos):
        video = str(uuid.UUID(int=int(rng.integers(0, 2**62)) + v))
        order = [labels[(v + i) % len(labels)] for i in range(len(labels))]
        part = seconds / len(order)
        segments = [{"start": i * part, "end": (i + 1) * part, "label": lab, "source": "confirmed",
                     "reviewedBy": "user-1", "reviewedAt": "2026-12-01T10:00:00Z"} for i, lab in enumerate(order)]
        frames = []
        for i in range(int(seconds * fps)):
            t = i / fps
            lab = order[min(int(t / part), len(order) - 1)]
            persons = [] if i % 37 == 5 else [{"trackId": 1, "box": None, "keypoints": pose(lab, t, rng)}]
            frames.append({"index": i, "time": t, "persons": persons})
        name = f"tracks/{video}-1.json"
        (out / name).write_text(json.dumps({"layout": "coco17", "fps": fps, "width": 640, "height": 480,
                                            "frames": frames}))
        tracks.append({"file": name, "videoId": video, "trackNumber": 1, "owner": "user-1",
                       "modelName": "actions-coco2d", "modelVersion": "3.0.0", "segments": segments})
    (out / "labels.json").write_text(json.dumps({"format": "portal-reviewed-1", "layout": "coco17", "fps": fps,
                                                 "labels": sorted(labels), "tracks": tracks}))
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--videos", type=int, default=12)
    ap.add_argument("--seconds", type=float, default=12.0)
    a = ap.parse_args()
    write_set(Path(a.out), a.videos, a.seconds)
    print(a.out)
