"""What training, evaluation, export, calibration and the reports share: a config's label list and splits, the model
input of a sample (deterministic for evaluation, augmented for training), batched prediction, the split evaluation
and loading a checkpoint.

Every other module of portal_actions that needs these imports them from here; this module imports only the
building blocks (data, augment, model, normalize, skeletons), so no module imports one that imports it back
(tests/test_imports.py checks it).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from . import augment
from .data import Sample, load_dataset, union_labels
from .model import build_model
from .normalize import prepare
from .skeletons import eval_projection


def labels_for(cfg: dict) -> list[str]:
    return union_labels(cfg["datasets"])


def load_split(cfg: dict, split: str, limit: int | None = None) -> list[tuple[str, Sample, int]]:
    """-> (dataset, sample, label index in this model's label list)."""
    labels = labels_for(cfg)
    out = []
    for name in cfg["datasets"]:
        samples, ds_labels = load_dataset(name, split, limit)
        for s in samples:
            out.append((name, s, labels.index(ds_labels[s.label])))
    return out


def centre_of(cfg: dict) -> str:
    """The config's 3D centring (normalize.centre; normalize_kinect20)."""
    return cfg.get("normalize", {}).get("centre", "window-hip")


def require_layout(cfg: dict, sample: Sample) -> None:
    """A 3D model takes only 3D samples; a coco17 model takes either (3D through a camera)."""
    if sample.layout == "coco17" and cfg["layout"] != "coco17":
        raise ValueError(f"{sample.id}: a 2D sample cannot feed a {cfg['layout']} model")


def eval_input(cfg: dict, sample: Sample) -> np.ndarray:
    """The deterministic model input of a test sample (what the C# evaluate computes): a 3D sample as recorded or,
    for a coco17 model, projected with the Kinect camera (eval_projection); a 2D sample as annotated."""
    require_layout(cfg, sample)
    frames = sample.joints if sample.layout == cfg["layout"] else eval_projection(sample.joints)
    return prepare(frames, cfg["layout"], cfg["window"], centre_of(cfg))


def train_input(cfg: dict, sample: Sample, rng: np.random.Generator) -> np.ndarray:
    """An augmented model input of a training sample (augment.py): 3D as 3D, 3D through a random virtual camera
    for a coco17 model, real 2D with the same pose-estimator noise."""
    require_layout(cfg, sample)
    aug = cfg.get("augment", {})
    if cfg["layout"] == "kinect20":
        return augment.augment_3d(sample.joints, rng, cfg["window"], aug, centre_of(cfg))
    if sample.layout == "coco17":
        keypoints = augment.real_2d(sample.joints, sample.image_size, rng, aug)
    else:
        keypoints = augment.virtual_camera_2d(sample.joints, rng, aug)
    return augment.augment_2d(keypoints, rng, cfg["window"], aug)


@torch.no_grad()
def predict(model: torch.nn.Module, inputs: np.ndarray, batch: int = 64) -> np.ndarray:
    model.eval()
    device = next(model.parameters()).device
    outs = [model(torch.from_numpy(inputs[i:i + batch]).to(device))[0].cpu().numpy()
            for i in range(0, len(inputs), batch)]
    return np.concatenate(outs) if outs else np.zeros((0, 0), np.float32)


def evaluate(cfg: dict, model: torch.nn.Module, test: list[tuple[str, Sample, int]]) -> dict:
    """Top-1 per dataset of the split `test` and each sample's predicted label index ("dataset/id" -> index)."""
    inputs = np.stack([eval_input(cfg, s) for _, s, _ in test])
    logits = predict(model, inputs)
    pred = logits.argmax(1)
    result: dict = {"predictions": {}}
    for ds in cfg["datasets"]:
        mask = np.array([d == ds for d, _, _ in test])
        truth = np.array([y for _, _, y in test])
        result[ds] = {"top1": float((pred[mask] == truth[mask]).mean()), "n": int(mask.sum())}
    for (ds, s, y), p in zip(test, pred):
        result["predictions"][f"{ds}/{s.id}"] = int(p)
    return result


def load_checkpoint(path: Path | str) -> tuple[torch.nn.Module, dict, list[str]]:
    """A model.pt written by train.py -> (model in eval mode, the config it was trained with, its labels)."""
    ckpt = torch.load(path, map_location="cpu", weights_only=False)
    cfg, labels = ckpt["config"], ckpt["labels"]
    model = build_model(cfg, cfg["layout"], len(labels))
    model.load_state_dict(ckpt["state_dict"])
    model.eval()
    return model, cfg, labels
