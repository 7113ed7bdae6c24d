"""The window normalization that training, export and the C# ActionRecognizer all apply (docs/models.md).

Kept in float64 here; C# computes in double too and only the model input is float32.
"""
from __future__ import annotations

import numpy as np


def resample_indices(frame_count: int, window: int) -> np.ndarray:
    """Frame t of the model window is input frame floor((t + 0.5) * F / T), clamped to F - 1."""
    t = np.arange(window, dtype=np.float64)
    idx = np.floor((t + 0.5) * frame_count / window).astype(np.int64)
    return np.minimum(idx, frame_count - 1)


KINECT20_CENTRES = ("window-hip", "first-frame-spine")


def normalize_kinect20(window: np.ndarray, centre: str = "window-hip") -> np.ndarray:
    """[T, 20, 3] metres -> [T, 20, 3] minus a centre; no scaling. centre "window-hip" (what the product computes):
    the mean hip centre (joint 0) over the window; "first-frame-spine" (CTR-GCN's NW-UCLA recipe, a training
    option only: the C# ActionRecognizer does not implement it and export refuses it): the spine joint (1) of the
    window's first frame."""
    w = np.asarray(window, dtype=np.float64)[..., :3]
    if centre == "window-hip":
        return w - w[:, 0, :].mean(axis=0)
    if centre == "first-frame-spine":
        return w - w[0, 1, :]
    raise ValueError(f"normalize.centre must be one of {', '.join(KINECT20_CENTRES)}, not {centre!r}")


def normalize_coco17(window: np.ndarray) -> np.ndarray:
    """[T, 17, 3] (x px, y px, score) -> [T, 17, 3] (x', y', score).

    centre: mean over frames of the hip midpoint weighted by min(hip scores); when those weights sum below 1e-3,
            the score-weighted mean of every keypoint; (0, 0) when every score is 0.
    scale:  mean over frames of the torso length |shoulder midpoint - hip midpoint| weighted by the minimum of
            the four scores; when those weights sum below 1e-3, the score-weighted RMS distance of every keypoint
            from the centre; 1 when that is below 1e-6.
    x' = (x - cx) / scale, y' = (y - cy) / scale, score clipped to [0, 1]; a keypoint whose score is 0 gets
    x' = y' = 0.
    """
    w = np.asarray(window, dtype=np.float64)
    xy, s = w[..., :2], np.clip(w[..., 2], 0.0, 1.0)
    hip = (xy[:, 11] + xy[:, 12]) / 2.0
    sh = (xy[:, 5] + xy[:, 6]) / 2.0
    hip_w = np.minimum(s[:, 11], s[:, 12])
    torso_w = np.minimum(hip_w, np.minimum(s[:, 5], s[:, 6]))
    if hip_w.sum() >= 1e-3:
        centre = (hip * hip_w[:, None]).sum(0) / hip_w.sum()
    elif s.sum() > 0:
        centre = (xy * s[..., None]).sum((0, 1)) / s.sum()
    else:
        centre = np.zeros(2)
    if torso_w.sum() >= 1e-3:
        scale = (np.linalg.norm(sh - hip, axis=-1) * torso_w).sum() / torso_w.sum()
    elif s.sum() > 0:
        scale = np.sqrt((((xy - centre) ** 2).sum(-1) * s).sum() / s.sum())
    else:
        scale = 1.0
    if scale < 1e-6:
        scale = 1.0
    out = np.empty_like(w)
    out[..., :2] = (xy - centre) / scale
    out[..., 2] = s
    out[s <= 0.0, :2] = 0.0
    return out


def normalize(window: np.ndarray, layout: str, centre: str = "window-hip") -> np.ndarray:
    if layout == "kinect20":
        return normalize_kinect20(window, centre)
    if layout == "coco17":
        if centre != "window-hip":
            raise ValueError(f"normalize.centre {centre!r} applies to kinect20 (3D) models only")
        return normalize_coco17(window)
    raise ValueError(f"unknown layout {layout!r}")


def prepare(frames: np.ndarray, layout: str, window: int, centre: str = "window-hip") -> np.ndarray:
    """All frames of one clip or one time window -> the model input [T, V, C] (float32)."""
    idx = resample_indices(len(frames), window)
    return normalize(np.asarray(frames)[idx], layout, centre).astype(np.float32)
