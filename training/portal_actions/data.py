"""Readers for NW-UCLA (JSON), MSR Action3D (txt) and Portal's skeleton JSON, and the standard splits."""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .skeletons import MSR_TO_KINECT20

REPO_ROOT = Path(__file__).resolve().parents[2]

NWUCLA_LABELS = [
    "pick up with one hand", "pick up with two hands", "drop trash", "walk around", "sit down",
    "stand up", "donning", "doffing", "throw", "carry",
]
NWUCLA_ACTION_IDS = [1, 2, 3, 4, 5, 6, 8, 9, 11, 12]
MSR_LABELS = [
    "high arm wave", "horizontal arm wave", "hammer", "hand catch", "forward punch", "high throw", "draw x",
    "draw tick", "draw circle", "hand clap", "two hand wave", "side boxing", "bend", "forward kick",
    "side kick", "jogging", "tennis swing", "tennis serve", "golf swing", "pick up and throw",
]
# No NW-UCLA action is the same action as an MSR Action3D one (docs/models.md gives the argument), so the
# union is the concatenation.
UNION_LABELS = NWUCLA_LABELS + MSR_LABELS


def data_root() -> Path:
    return Path(os.environ.get("PORTAL_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))


@dataclass
class Sample:
    id: str            # file stem
    joints: np.ndarray  # [F, 20, 3] Kinect20 order, camera space, metres
    label: int         # index into the dataset's own label list
    subject: int
    view: int          # NW-UCLA view (1..3); 0 for MSR


_NWUCLA_NAME = re.compile(r"a(\d+)_s(\d+)_e(\d+)_v(\d+)")
_MSR_NAME = re.compile(r"a(\d+)_s(\d+)_e(\d+)")


def read_nwucla_file(path: Path) -> Sample:
    d = json.loads(Path(path).read_text())
    m = _NWUCLA_NAME.match(Path(path).stem)
    if m is None:
        raise ValueError(f"{path}: not an NW-UCLA file name")
    action, subject, _, view = (int(g) for g in m.groups())
    joints = np.asarray(d["skeletons"], dtype=np.float64).reshape(-1, 20, 3)
    return Sample(Path(path).stem, joints, NWUCLA_ACTION_IDS.index(action), subject, view)


def read_msr_file(path: Path) -> Sample:
    raw = np.loadtxt(path, dtype=np.float64).reshape(-1, 20, 4)
    m = _MSR_NAME.match(Path(path).name)
    if m is None:
        raise ValueError(f"{path}: not an MSR Action3D file name")
    action, subject, _ = (int(g) for g in m.groups())
    return Sample(Path(path).name.replace("_skeleton3D.txt", ""), raw[:, MSR_TO_KINECT20, :3], action - 1, subject, 0)


def load_nwucla(split: str, root: Path | None = None, limit: int | None = None) -> list[Sample]:
    """split: 'train' (views 1, 2) or 'test' (view 3, 464 files)."""
    folder = (root or data_root()) / "skeleton" / "nw_ucla" / "all_sqe"
    views = {"train": (1, 2), "test": (3,)}[split]
    files = sorted(p for p in folder.glob("*.json") if int(p.stem[-2:]) in views)
    if limit:
        files = files[:: max(1, len(files) // limit)][:limit]
    return [read_nwucla_file(p) for p in files]


def load_msr(split: str, root: Path | None = None, limit: int | None = None) -> list[Sample]:
    """Cross-subject protocol over the 557 files of files_used_in_cvpr12_paper.txt: train on subjects
    1, 3, 5, 7, 9, test on 2, 4, 6, 8, 10."""
    folder = (root or data_root()) / "skeleton" / "msr_action3d"
    used = (folder / "files_used_in_cvpr12_paper.txt").read_text().split()
    subjects = {"train": {1, 3, 5, 7, 9}, "test": {2, 4, 6, 8, 10}}[split]
    stems = sorted(s for s in used if int(_MSR_NAME.match(s).group(2)) in subjects)
    if limit:
        stems = stems[:: max(1, len(stems) // limit)][:limit]
    return [read_msr_file(folder / f"{s}_skeleton3D.txt") for s in stems]


def load_dataset(name: str, split: str, limit: int | None = None) -> tuple[list[Sample], list[str], int]:
    """-> samples, the dataset's labels, and the offset of its labels in UNION_LABELS."""
    if name == "nw-ucla":
        return load_nwucla(split, limit=limit), NWUCLA_LABELS, 0
    if name == "msr-action3d":
        return load_msr(split, limit=limit), MSR_LABELS, len(NWUCLA_LABELS)
    raise ValueError(f"unknown dataset {name!r}")


def read_portal_skeleton_json(path: Path) -> dict[str, np.ndarray]:
    """Portal's skeleton JSON (docs/formats.md) -> {track id: [F, V, C]} with the frame times in
    '<track>:time'. Persons with a null trackId form one track named ''."""
    d = json.loads(Path(path).read_text())
    tracks: dict[str, list] = {}
    times: dict[str, list] = {}
    for frame in d["frames"]:
        for person in frame.get("persons", []):
            tid = "" if person.get("trackId") is None else str(person["trackId"])
            tracks.setdefault(tid, []).append(person["keypoints"])
            times.setdefault(tid, []).append(frame["time"])
    out: dict[str, np.ndarray] = {}
    for tid, kps in tracks.items():
        out[tid] = np.asarray(kps, dtype=np.float64)
        out[f"{tid}:time"] = np.asarray(times[tid], dtype=np.float64)
    return out
