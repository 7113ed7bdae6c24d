"""Readers for NW-UCLA (JSON), MSR Action3D (txt), Penn Action (MATLAB) and Portal's skeleton JSON, and the splits."""
from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import reviewed
from .skeletons import MSR_TO_KINECT20, PENN13_TO_COCO17

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
# Penn Action's 15 classes (its file names) and their labels here. Two are the same action as an MSR Action3D one
# and carry the same label, so the union has them once: golf swing and tennis serve (docs/models.md says why these
# two and no others).
PENN_CLASSES = [
    "baseball_pitch", "baseball_swing", "bench_press", "bowl", "clean_and_jerk", "golf_swing", "jump_rope",
    "jumping_jacks", "pullup", "pushup", "situp", "squat", "strum_guitar", "tennis_forehand", "tennis_serve",
]
PENN_LABELS = [
    "baseball pitch", "baseball swing", "bench press", "bowl", "clean and jerk", "golf swing", "jump rope",
    "jumping jacks", "pull-up", "push-up", "sit-up", "squat", "strum guitar", "tennis forehand", "tennis serve",
]
# Penn Action validation split: drawn from its official training files (the official test split is kept apart for
# independent checks), per class the clips whose SHA-256 of "SEED/clip" sorts first, a fifth of each class rounded
# half up. A hash rather than a random generator so that C# (PennActionDataset.cs) draws the same clips.
PENN_VALIDATION_SEED = "penn-action-validation-1"
PENN_VALIDATION_FRACTION = 5  # one clip in five

DATASET_LABELS = {"nw-ucla": NWUCLA_LABELS, "msr-action3d": MSR_LABELS, "penn-action": PENN_LABELS}


def dataset_labels(name: str) -> list[str]:
    """A dataset's own label list; for a reviewed set (`reviewed:DIR`) the list in its labels.json."""
    if name.startswith(reviewed.PREFIX):
        return reviewed.read_labels(name[len(reviewed.PREFIX):])
    if name not in DATASET_LABELS:
        raise ValueError(f"unknown dataset {name!r}")
    return DATASET_LABELS[name]


def union_labels(datasets: list[str]) -> list[str]:
    """The label set of a model trained on these datasets: each dataset's labels in order, a label shared with an
    earlier dataset kept once."""
    out: list[str] = []
    for name in datasets:
        out += [label for label in dataset_labels(name) if label not in out]
    return out


UNION_LABELS = union_labels(["nw-ucla", "msr-action3d", "penn-action"])


def data_root() -> Path:
    return Path(os.environ.get("PORTAL_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))


@dataclass
class Sample:
    id: str            # file stem
    joints: np.ndarray  # kinect20: [F, 20, 3] camera space, metres; coco17: [F, 17, 3] (x px, y px, score)
    label: int         # index into the dataset's own label list
    subject: int
    view: int          # NW-UCLA view (1..3); 0 for the others
    layout: str = "kinect20"
    image_size: tuple[int, int] | None = None  # (width, height) of a 2D sample's video


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


def read_penn_file(path: Path) -> Sample:
    """One Penn Action clip -> COCO-17 [F, 17, 3] (x px, y px, score): its 13 joints mapped (PENN13_TO_COCO17), the
    visibility (0/1) as score, the eyes and ears absent (0, 0, score 0) as a missing joint looks to the model."""
    from scipy.io import loadmat  # only Penn Action needs SciPy
    d = loadmat(str(path))
    x, y, vis = (np.asarray(d[k], dtype=np.float64) for k in ("x", "y", "visibility"))
    joints = np.zeros((len(x), 17, 3), dtype=np.float64)
    for penn, coco in enumerate(PENN13_TO_COCO17):
        joints[:, coco] = np.stack([x[:, penn], y[:, penn], vis[:, penn]], axis=-1)
    height, width = (int(v) for v in np.asarray(d["dimensions"]).reshape(-1)[:2])
    action = str(np.asarray(d["action"]).reshape(-1)[0])
    return Sample(Path(path).stem, joints, PENN_CLASSES.index(action), 0, 0, "coco17", (width, height))


def penn_validation_ids(clip_classes: dict[str, str]) -> set[str]:
    """{clip id: class} -> the clip ids of the validation split (see PENN_VALIDATION_SEED)."""
    chosen: set[str] = set()
    for cls in sorted(set(clip_classes.values())):
        clips = sorted((c for c, k in clip_classes.items() if k == cls),
                       key=lambda c: hashlib.sha256(f"{PENN_VALIDATION_SEED}/{c}".encode()).hexdigest())
        chosen.update(clips[:(len(clips) * 2 + PENN_VALIDATION_FRACTION) // (2 * PENN_VALIDATION_FRACTION)])
    return chosen


def load_penn(split: str, root: Path | None = None, limit: int | None = None) -> list[Sample]:
    """split: 'train' (the official training files less the validation split) or 'test' (the validation split drawn
    from the official training files: not the official test split, which is not here)."""
    folder = (root or data_root()) / "skeleton" / "penn_action" / "train"
    samples = [read_penn_file(p) for p in sorted(folder.glob("*.mat"))]
    if not samples:
        raise FileNotFoundError(f"Penn Action not found at {folder} (see ../shared/data/README.md)")
    validation = penn_validation_ids({s.id: PENN_CLASSES[s.label] for s in samples})
    samples = [s for s in samples if (s.id in validation) == (split == "test")]
    if limit:
        samples = samples[:: max(1, len(samples) // limit)][:limit]
    return samples


def load_reviewed_split(name: str, split: str, limit: int | None = None) -> list[Sample]:
    """`reviewed:DIR` -> its windows as samples (one window of 2 s every second, as the product classifies them);
    split 'test' is the fifth of the videos that reviewed.validation_videos holds out, 'train' the others."""
    rs = reviewed.load_reviewed(name[len(reviewed.PREFIX):])
    held_out = reviewed.validation_videos([w.video for w in rs.windows], 0.2, 0)
    samples = [Sample(f"{w.video}-{w.track}@{w.start:.2f}", w.frames, w.label, 0, 0, rs.layout, w.image_size)
               for w in rs.windows if (w.video in held_out) == (split == "test")]
    if limit:
        samples = samples[:: max(1, len(samples) // limit)][:limit]
    return samples


def load_dataset(name: str, split: str, limit: int | None = None) -> tuple[list[Sample], list[str]]:
    """-> samples of the split ('train' or 'test'; for Penn Action 'test' is the validation split, for a reviewed
    set the held-out videos) and the dataset's labels."""
    if name.startswith(reviewed.PREFIX):
        return load_reviewed_split(name, split, limit), dataset_labels(name)
    loaders = {"nw-ucla": load_nwucla, "msr-action3d": load_msr, "penn-action": load_penn}
    if name not in loaders:
        raise ValueError(f"unknown dataset {name!r}")
    return loaders[name](split, limit=limit), DATASET_LABELS[name]


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
