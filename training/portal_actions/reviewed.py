"""The reviewed training set that `./portal dataset export` writes (learning contract §1, docs/formats.md "Reviewed
training set"): labels.json plus one skeleton JSON per track, cut into the same windows the product's ActionsJob
classifies (TrackWindows.cs), each labelled by the reviewed segment that covers most of it.

`reviewed:/path/to/dir` in a config's `datasets` reads it like the shared datasets (data.load_dataset).
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FORMAT = "portal-reviewed-1"
PREFIX = "reviewed:"


@dataclass
class Window:
    frames: np.ndarray  # [F, V, 3] as in the skeleton JSON (pixels + score for coco17)
    label: int          # index into the set's labels
    video: str
    track: int
    start: float
    end: float
    image_size: tuple[int, int]


@dataclass
class ReviewedSet:
    root: Path
    layout: str
    labels: list[str]
    tracks: int
    windows: list[Window]


def spans(times: np.ndarray, seconds: float, stride: float) -> list[tuple[float, float, int, int]]:
    """The windows of a track with sorted frame times as (start, end, first frame, frame count): the same rule as
    TrackWindows.Spans in C# (windows of `seconds` every `stride` from the first frame, as many as cover the track;
    frames with start <= time < start + seconds; empty windows skipped; end clipped to the last frame time)."""
    out: list[tuple[float, float, int, int]] = []
    if len(times) == 0:
        return out
    first, last = float(times[0]), float(times[-1])
    count = max(1, 1 + math.ceil((last - first - seconds) / stride - 1e-9))
    lo = hi = 0
    for k in range(count):
        start = first + k * stride
        end = start + seconds
        while lo < len(times) and times[lo] < start - 1e-9:
            lo += 1
        hi = max(hi, lo)
        while hi < len(times) and times[hi] < end - 1e-9:
            hi += 1
        if hi > lo:
            out.append((start, min(end, last), lo, hi - lo))
    return out


def majority_label(start: float, end: float, segments: list[dict]) -> str | None:
    """The label whose segments cover more than half of [start, end] (a point window: the label covering it), or
    None when no label does (unlabelled or mixed windows are not trained on)."""
    length = end - start
    cover: dict[str, float] = {}
    for seg in segments:
        if length <= 0:
            if seg["start"] <= start <= seg["end"]:
                return seg["label"]
            continue
        overlap = min(end, seg["end"]) - max(start, seg["start"])
        if overlap > 0:
            cover[seg["label"]] = cover.get(seg["label"], 0.0) + overlap
    if not cover:
        return None
    label, covered = max(cover.items(), key=lambda kv: (kv[1], kv[0]))
    return label if covered > length / 2 else None


def read_track(path: Path) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    """A track's skeleton JSON -> (sorted frame times [F], keypoints [F, V, C], (width, height)); frames where the
    track is absent (no person) are left out, as the ActionsJob leaves them out."""
    d = json.loads(path.read_text())
    times, frames = [], []
    for frame in d["frames"]:
        persons = frame.get("persons") or []
        if len(persons) > 1:
            raise ValueError(f"{path}: frame {frame.get('index')} has {len(persons)} persons; a track file has one")
        if persons:
            times.append(float(frame["time"]))
            frames.append(persons[0]["keypoints"])
    order = np.argsort(np.asarray(times, dtype=np.float64), kind="stable")
    t = np.asarray(times, dtype=np.float64)[order]
    k = np.asarray(frames, dtype=np.float64).reshape(len(times), -1, 3)[order] if frames else np.zeros((0, 17, 3))
    return t, k, (int(d.get("width") or 0), int(d.get("height") or 0))


def read_labels(root: Path | str) -> list[str]:
    return list(read_index(Path(root))["labels"])


def read_index(root: Path) -> dict:
    index = root / "labels.json"
    if not index.is_file():
        raise FileNotFoundError(f"{root}: no labels.json (not a reviewed training set)")
    doc = json.loads(index.read_text(encoding="utf-8"))
    if doc.get("format") != FORMAT:
        raise ValueError(f"{index}: format {doc.get('format')!r}, expected {FORMAT!r}")
    return doc


def load_reviewed(root: Path | str, seconds: float = 2.0, stride: float = 1.0) -> ReviewedSet:
    """Reads a reviewed set and cuts every track into labelled windows (see the module docstring)."""
    root = Path(root)
    doc = read_index(root)
    index = root / "labels.json"
    labels = list(doc["labels"])
    windows: list[Window] = []
    for track in doc["tracks"]:
        unknown = {s["label"] for s in track["segments"]} - set(labels)
        if unknown:
            raise ValueError(f"{index}: track {track['file']} has labels missing from 'labels': {sorted(unknown)}")
        times, frames, size = read_track(root / track["file"])
        if not all(size) and len(frames):
            # No frame size in the file: the extent of the keypoints stands in (the 2D augmentation needs one).
            size = (int(frames[..., 0].max()) + 1, int(frames[..., 1].max()) + 1)
        for start, end, first, n in spans(times, seconds, stride):
            label = majority_label(start, end, track["segments"])
            if label is not None:
                windows.append(Window(frames[first:first + n], labels.index(label), str(track["videoId"]),
                                      int(track["trackNumber"]), start, end, size))
    return ReviewedSet(root, doc.get("layout", "coco17"), labels, len(doc["tracks"]), windows)


def validation_videos(videos: list[str], fraction: float, seed: int) -> set[str]:
    """The videos held out for validation: round(fraction * count) of them (at least one when there are two or
    more and fraction > 0), those whose SHA-256 of "SEED/video" sorts first, so the split does not depend on the
    order of the export."""
    unique = sorted(set(videos))
    if fraction <= 0 or len(unique) < 2:
        return set()
    n = min(len(unique) - 1, max(1, round(fraction * len(unique))))
    ranked = sorted(unique, key=lambda v: hashlib.sha256(f"{seed}/{v}".encode()).hexdigest())
    return set(ranked[:n])
