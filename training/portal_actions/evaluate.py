"""Evaluates a checkpoint on the test split(s) of its datasets (PyTorch), as training's final evaluation does.

`python3 -m portal_actions.evaluate CHECKPOINT.pt [--noisy-cameras SEED]`
--noisy-cameras (coco17 models): instead of the clean Kinect-camera projection, view each 3D test clip through one
random virtual camera with the training-time pose-estimator noise (augment.virtual_camera_2d, seeded), and give
each 2D clip the same noise (augment.real_2d, never clean), no temporal crop: a harder, MoveNet-like test of the
same samples.
"""
from __future__ import annotations

import argparse
import json

import numpy as np
import torch

from .augment import real_2d, virtual_camera_2d
from .experiment import evaluate, load_checkpoint, load_split, predict
from .normalize import prepare


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("checkpoint")
    ap.add_argument("--noisy-cameras", type=int, metavar="SEED")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    model, cfg, _ = load_checkpoint(args.checkpoint)
    test = load_split(cfg, "test")
    if args.noisy_cameras is None:
        r = evaluate(cfg, model, test)
        print(json.dumps({ds: r[ds] for ds in cfg["datasets"]}))
        return 0
    if cfg["layout"] != "coco17":
        raise SystemExit("--noisy-cameras is for coco17 models")
    rng = np.random.default_rng(args.noisy_cameras)
    aug = cfg.get("augment", {})
    noisy = [real_2d(s.joints, s.image_size, rng, {**aug, "clean": 0.0}) if s.layout == "coco17"
             else virtual_camera_2d(s.joints, rng, aug) for _, s, _ in test]
    x = np.stack([prepare(kp, "coco17", cfg["window"]) for kp in noisy])
    pred = predict(model, x).argmax(1)
    out = {}
    for ds in cfg["datasets"]:
        m = np.array([d == ds for d, _, _ in test])
        y = np.array([y for _, _, y in test])
        out[ds] = {"top1": float((pred[m] == y[m]).mean()), "n": int(m.sum()), "cameras": f"random, seed {args.noisy_cameras}"}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
