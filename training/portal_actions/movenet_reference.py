"""Converts tfjs-models' MoveNet reference keypoints (a list of frames of {name: {x, y}}) to Portal's skeleton
JSON (docs/formats.md): 30 fps, 576x576, one person with a null trackId, score 0.9 (the reference has none).

`python3 -m portal_actions.movenet_reference IN.json OUT.json`
"""
from __future__ import annotations

import json
import sys

from .skeletons import COCO17_NAMES


def convert(frames: list[dict], fps: float = 30.0, size: int = 576) -> dict:
    out = []
    for i, f in enumerate(frames):
        kps = [[float(f[n]["x"]), float(f[n]["y"]), 0.9] for n in COCO17_NAMES]
        xs, ys = [k[0] for k in kps], [k[1] for k in kps]
        out.append({"index": i, "time": i / fps, "persons": [
            {"trackId": None, "box": [min(xs), min(ys), max(xs), max(ys), 0.9], "keypoints": kps}]})
    return {"layout": "coco17", "fps": fps, "width": size, "height": size, "frames": out}


if __name__ == "__main__":
    src, dst = sys.argv[1], sys.argv[2]
    with open(src) as f:
        doc = convert(json.load(f))
    with open(dst, "w") as f:
        json.dump(doc, f)
