"""Joint layouts, the MSR Action3D -> Kinect20 mapping, Kinect20 -> COCO-17 mapping and camera projection.

Coordinates of the 3D datasets are Kinect v1 camera space in metres: y up, z away from the sensor and x to the
sensor's left (a person facing the camera has the left shoulder at the smaller x). Every constant here is mirrored
in src/Portal.Inference/Actions/SkeletonLayouts.cs; docs/models.md is the written spec.
"""
from __future__ import annotations

import numpy as np

KINECT20_NAMES = [
    "hip_centre", "spine", "shoulder_centre", "head",
    "left_shoulder", "left_elbow", "left_wrist", "left_hand",
    "right_shoulder", "right_elbow", "right_wrist", "right_hand",
    "left_hip", "left_knee", "left_ankle", "left_foot",
    "right_hip", "right_knee", "right_ankle", "right_foot",
]
KINECT20_EDGES = [
    (0, 1), (1, 2), (2, 3), (2, 4), (4, 5), (5, 6), (6, 7), (2, 8), (8, 9), (9, 10), (10, 11),
    (0, 12), (12, 13), (13, 14), (14, 15), (0, 16), (16, 17), (17, 18), (18, 19),
]

COCO17_NAMES = [
    "nose", "left_eye", "right_eye", "left_ear", "right_ear",
    "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
    "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
]
COCO17_EDGES = [
    (0, 1), (0, 2), (1, 3), (2, 4), (0, 5), (0, 6), (5, 6), (5, 7), (7, 9), (6, 8), (8, 10),
    (5, 11), (6, 12), (11, 12), (11, 13), (13, 15), (12, 14), (14, 16),
]

# MSR Action3D files list joints in another order. Derived from the data (tests/test_data.py checks it):
# file joints 0/1 are the shoulders (x differ by ~0.35 m at shoulder height), 2 the neck (between and above
# them), 3 the spine, 4/5/6 left hip/right hip/hip centre, 7/8 elbows, 9/10 wrists, 11/12 hands,
# 13/14 knees, 15/16 ankles, 17/18 feet and 19 the head (highest joint in 74% of frames; the hand wins in
# arm-raising actions). Left/right follows the same x-sign convention as NW-UCLA.
# MSR_TO_KINECT20[k] = index in the MSR file of Kinect20 joint k.
MSR_TO_KINECT20 = [6, 3, 2, 19, 0, 7, 9, 11, 1, 8, 10, 12, 4, 13, 15, 17, 5, 14, 16, 18]

# COCO-17 body joints taken directly from Kinect20 joints (COCO index -> Kinect20 index).
KINECT20_TO_COCO17_BODY = {
    5: 4, 6: 8, 7: 5, 8: 9, 9: 6, 10: 10, 11: 12, 12: 16, 13: 13, 14: 17, 15: 14, 16: 18,
}
FACE = [0, 1, 2, 3, 4]
EYES_AND_EARS = [1, 2, 3, 4]

# Penn Action's 13 joints -> COCO-17 index (PENN13_TO_COCO17[penn joint] = COCO joint). The dataset documents
# 0 head, 1/2 left/right shoulder, 3/4 elbows, 5/6 wrists, 7/8 hips, 9/10 knees, 11/12 ankles, but the data says
# its "left" is the person's right: in clips labelled as seen from the front, joint 1 lies left of joint 2 in the
# image in 87% of them (a person facing the camera shows the left shoulder on the image's right), and in clips seen
# from the back it lies right of it in 79% (tests/test_data.py checks it). So the odd joints map to COCO's right
# side. The head maps to the nose, the only head point both have; the eyes and ears have no Penn joint.
# Mirrored in src/Portal.Inference/Actions/PennActionDataset.cs.
PENN13_TO_COCO17 = [0, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]

# Face points relative to the Kinect head joint, in units of the neck->head distance h, along
# f (forward, the way the face looks), u (up, neck->head) and r (the person's left->right shoulder direction).
# (f, u, r) coefficients per COCO face joint.
FACE_OFFSETS = {
    0: (0.45, -0.10, 0.00),   # nose
    1: (0.35, 0.10, -0.15),   # left eye
    2: (0.35, 0.10, 0.15),    # right eye
    3: (-0.05, 0.00, -0.35),  # left ear
    4: (-0.05, 0.00, 0.35),   # right ear
}

# Deterministic "clean" scores used when the evaluation projects a 3D test sample to 2D.
CLEAN_BODY_SCORE = 0.9
CLEAN_FACE_SCORE = 0.5

# Kinect v1 colour camera: the real camera of the test views, used for the evaluation projection.
EVAL_CAMERA = {"focal": 525.0, "width": 640.0, "height": 480.0}


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.maximum(n, 1e-6)


def kinect20_to_coco17_3d(k: np.ndarray) -> np.ndarray:
    """[F, 20, 3] Kinect20 camera-space joints -> [F, 17, 3] COCO-17 joints in the same space."""
    f_count = k.shape[0]
    out = np.zeros((f_count, 17, 3), dtype=np.float64)
    for c, j in KINECT20_TO_COCO17_BODY.items():
        out[:, c] = k[:, j]
    head, neck = k[:, 3], k[:, 2]
    up = head - neck
    h = np.linalg.norm(up, axis=-1, keepdims=True)
    u = _unit(up)
    r = _unit(k[:, 8] - k[:, 4])
    fwd = _unit(np.cross(u, r))
    for c, (a, b, g) in FACE_OFFSETS.items():
        out[:, c] = head + h * (a * fwd + b * u + g * r)
    return out


def project(points: np.ndarray, focal: float, cx: float, cy: float) -> np.ndarray:
    """Pinhole projection of camera-space points [..., 3] (x to the sensor's left, y up, z forward) to pixels
    [..., 2] (x to the right, y down)."""
    z = np.maximum(points[..., 2], 1e-3)
    u = cx - focal * points[..., 0] / z
    v = cy - focal * points[..., 1] / z
    return np.stack([u, v], axis=-1)


def eval_projection(k: np.ndarray) -> np.ndarray:
    """The deterministic 2D view of a 3D Kinect20 sample: [F, 17, 3] (x px, y px, score)."""
    coco = kinect20_to_coco17_3d(k)
    cam = EVAL_CAMERA
    uv = project(coco, cam["focal"], cam["width"] / 2.0, cam["height"] / 2.0)
    scores = np.full(uv.shape[:2] + (1,), CLEAN_BODY_SCORE)
    scores[:, FACE, 0] = CLEAN_FACE_SCORE
    return np.concatenate([uv, scores], axis=-1)


def normalized_adjacency(num_joints: int, edges: list[tuple[int, int]]) -> np.ndarray:
    a = np.eye(num_joints)
    for i, j in edges:
        a[i, j] = a[j, i] = 1.0
    d = a.sum(1) ** -0.5
    return (a * d[:, None]) * d[None, :]


LAYOUTS = {
    "kinect20": {"names": KINECT20_NAMES, "edges": KINECT20_EDGES, "channels": 3},
    "coco17": {"names": COCO17_NAMES, "edges": COCO17_EDGES, "channels": 3},
}
