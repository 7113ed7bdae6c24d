"""Training-time augmentation. Every function takes a numpy Generator so a run is reproducible from its seed."""
from __future__ import annotations

import numpy as np

from .normalize import normalize, resample_indices
from .skeletons import FACE, kinect20_to_coco17_3d, project


def temporal_crop(frames: np.ndarray, rng: np.random.Generator, window: int, min_ratio: float) -> np.ndarray:
    """A random crop of min_ratio..1 of the clip, resampled to `window` frames with jittered indices."""
    n = len(frames)
    ratio = rng.uniform(min_ratio, 1.0)
    length = max(1, int(round(n * ratio)))
    start = int(rng.integers(0, n - length + 1))
    idx = resample_indices(length, window)
    if length > window:
        jitter = rng.integers(0, max(1, length // window), size=window)
        idx = np.sort(np.minimum(idx + jitter, length - 1))
    return frames[start + idx]


def random_resample(frames: np.ndarray, rng: np.random.Generator, window: int) -> np.ndarray:
    """CTR-GCN's NW-UCLA recipe (its feeder_ucla.py): `window` frames drawn at random from the whole clip and put
    back in time order (with repetition only when the clip is shorter than the window); no crop."""
    n = len(frames)
    idx = np.sort(rng.choice(n, size=window, replace=n < window))
    return frames[idx]


def temporal_sample(frames: np.ndarray, rng: np.random.Generator, window: int, cfg: dict) -> np.ndarray:
    """The training window of a clip: `augment.temporal` is "crop" (the default, temporal_crop with min_crop) or
    "resample" (random_resample)."""
    mode = cfg.get("temporal", "crop")
    if mode == "crop":
        return temporal_crop(frames, rng, window, cfg.get("min_crop", 0.5))
    if mode == "resample":
        return random_resample(frames, rng, window)
    raise ValueError(f"augment.temporal must be crop or resample, not {mode!r}")


def rotation(yaw: float, pitch: float, roll: float) -> np.ndarray:
    cy, sy = np.cos(yaw), np.sin(yaw)
    cp, sp = np.cos(pitch), np.sin(pitch)
    cr, sr = np.cos(roll), np.sin(roll)
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rx = np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]])
    rz = np.array([[cr, -sr, 0], [sr, cr, 0], [0, 0, 1]])
    return rz @ rx @ ry


def augment_3d(frames: np.ndarray, rng: np.random.Generator, window: int, cfg: dict,
               centre: str = "window-hip") -> np.ndarray:
    """Kinect20 [F, 20, 3] -> normalized model input [T, 20, 3] (centre: normalize_kinect20's)."""
    w = temporal_sample(frames, rng, window, cfg)
    x = normalize(w, "kinect20", centre)
    deg = np.pi / 180
    r = rotation(rng.uniform(-1, 1) * cfg.get("yaw", 45) * deg,
                 rng.uniform(-1, 1) * cfg.get("pitch", 15) * deg,
                 rng.uniform(-1, 1) * cfg.get("roll", 10) * deg)
    scale = rng.uniform(1 - cfg.get("scale", 0.15), 1 + cfg.get("scale", 0.15), size=3)
    shear = np.eye(3) + rng.uniform(-1, 1, size=(3, 3)) * cfg.get("shear", 0.1) * (1 - np.eye(3))
    x = x @ (r @ np.diag(scale) @ shear).T
    x = x + rng.normal(0, cfg.get("jitter", 0.005), size=x.shape)
    return x.astype(np.float32)


_IMAGE_SIZES = [(640, 480), (576, 576), (1280, 720), (720, 1280), (480, 640), (1920, 1080)]


# COCO-17 left/right pairs, swapped by a horizontal flip.
_COCO17_MIRROR = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]


def estimator_noise(uv: np.ndarray, present: np.ndarray, rng: np.random.Generator, cfg: dict, width: float,
                    height: float) -> np.ndarray:
    """Clean COCO-17 pixel positions [F, 17, 2] -> keypoints [F, 17, 3] (x px, y px, score) as a pose estimator
    would report them: a per-joint bias and per-frame jitter, noisy scores, dropped joints, partial bodies, no nose
    on some clips (people seen from behind), score 0 outside the image and where the source has no joint
    (`present` [F, 17] false)."""
    uv = uv.copy()
    body_px = np.ptp(uv[..., 1][present]) + 1e-3 if present.any() else 1.0
    # Per-joint bias (consistent across frames) plus per-frame jitter, relative to the body's height in pixels.
    sigma = rng.uniform(*cfg.get("jitter_px", (0.005, 0.03))) * body_px
    uv = uv + rng.normal(0, sigma, size=(1,) + uv.shape[1:]) + rng.normal(0, sigma, size=uv.shape)
    s = np.clip(rng.normal(cfg.get("body_score", 0.8), 0.12, size=uv.shape[:2]), 0.05, 1.0)
    s[:, FACE] = np.clip(rng.normal(cfg.get("face_score", 0.45), 0.15, size=(len(uv), len(FACE))), 0.02, 1.0)
    # Dropped joints: low score, coordinate somewhere around the body.
    drop = rng.random(s.shape) < rng.uniform(0, cfg.get("drop", 0.1))
    s[drop] = rng.uniform(0, 0.15, size=int(drop.sum()))
    uv[drop] += rng.normal(0, 0.2 * body_px, size=(int(drop.sum()), 2))
    # Partial bodies: the legs (and sometimes hips) below the image border.
    if rng.random() < cfg.get("partial", 0.15):
        cut = [13, 14, 15, 16] if rng.random() < 0.6 else [11, 12, 13, 14, 15, 16]
        s[:, cut] = 0.0
    if rng.random() < cfg.get("face_drop", 0.0):
        s[:, FACE] = 0.0
    outside = (uv[..., 0] < 0) | (uv[..., 0] >= width) | (uv[..., 1] < 0) | (uv[..., 1] >= height)
    s[outside | ~present] = 0.0
    return np.concatenate([uv, s[..., None]], axis=-1)


def virtual_camera_2d(frames: np.ndarray, rng: np.random.Generator, cfg: dict) -> np.ndarray:
    """Kinect20 [F, 20, 3] -> COCO-17 [F, 17, 3] (x px, y px, score) as a pose estimator would report it from a
    random camera: yaw about the body's vertical axis, camera pitch, distance, focal length, image size and
    position in the image; then the estimator's noise (estimator_noise)."""
    deg = np.pi / 180
    coco = kinect20_to_coco17_3d(frames)
    centre = frames[:, 0].mean(0)
    p = coco - centre
    p = p @ rotation(rng.uniform(-1, 1) * cfg.get("yaw", 60) * deg, 0.0, 0.0).T
    dist = rng.uniform(*cfg.get("distance", (2.0, 6.0)))
    p = p + np.array([rng.uniform(-0.4, 0.4) * dist / 3, rng.uniform(-0.3, 0.3), dist])
    p = p @ rotation(0.0, rng.uniform(*cfg.get("pitch", (-10.0, 30.0))) * deg, rng.uniform(-5, 5) * deg).T
    width, height = _IMAGE_SIZES[int(rng.integers(len(_IMAGE_SIZES)))]
    focal = rng.uniform(0.6, 1.5) * max(width, height)
    uv = project(p, focal, width / 2.0, height / 2.0)
    return estimator_noise(uv, np.ones(uv.shape[:2], dtype=bool), rng, cfg, width, height)


def real_2d(keypoints: np.ndarray, image_size: tuple[int, int], rng: np.random.Generator, cfg: dict) -> np.ndarray:
    """Annotated COCO-17 keypoints [F, 17, 3] (x px, y px, visibility as score) -> as a pose estimator would report
    them: a small in-plane rotation about the body's centre, then estimator_noise over the visible joints; a share
    of clips (`clean`) stays exactly as annotated, as the evaluation sees them."""
    if rng.random() < cfg.get("clean", 0.2):
        return keypoints.copy()
    present = keypoints[..., 2] > 0
    uv = keypoints[..., :2]
    if present.any():
        centre = uv[present].mean(0)
        a = rng.uniform(-1, 1) * cfg.get("roll_2d", 10) * np.pi / 180
        rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
        uv = (uv - centre) @ rot.T + centre
    return estimator_noise(uv, present, rng, cfg, *image_size)


def augment_2d(keypoints: np.ndarray, rng: np.random.Generator, window: int, cfg: dict) -> np.ndarray:
    """Keypoints [F, 17, 3] as an estimator reports them (virtual_camera_2d, real_2d) -> normalized COCO-17 model
    input [T, 17, 3]: missing frames, a temporal crop, the window normalization, a horizontal stretch and flip."""
    kp = keypoints
    # Missing frames: a tracker loses the person for a few frames; those frames are simply absent.
    if len(kp) > 4 and rng.random() < cfg.get("missing_frames", 0.3):
        keep = rng.random(len(kp)) > rng.uniform(0, 0.25)
        if keep.sum() >= 2:
            kp = kp[keep]
    w = temporal_sample(kp, rng, window, cfg)
    x = normalize(w, "coco17")
    if rng.random() < 0.5:
        x[..., 0] = x[..., 0] * rng.uniform(0.9, 1.1)
    if rng.random() < cfg.get("flip", 0.0):
        # The normalization is centred on the body, so a mirror image is x -> -x with left and right swapped.
        x = x[:, _COCO17_MIRROR]
        x[..., 0] = -x[..., 0]
    return x.astype(np.float32)
