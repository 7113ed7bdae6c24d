"""Export a trained checkpoint to ONNX (opset 17, dynamic batch) with its model card, and write the parity
fixture that the C# tests compare ONNX Runtime against.

`python3 -m portal_actions.export --checkpoint runs/NAME/model.pt --out DIR [--publish]`
--publish copies NAME.onnx + NAME.card.json to models/actions/ and NAME.parity.json + NAME.predictions.json
to tests/Portal.Inference.Tests/Actions/Fixtures/.
"""
from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import numpy as np
import onnx
import torch

from .calibration import calibrate
from .data import REPO_ROOT
from .experiment import centre_of, eval_input, load_checkpoint, load_split
from .flops import count

TERMS = {
    "nw-ucla": "NW-UCLA (research use; the copy used is CC BY-NC 4.0)",
    "msr-action3d": "MSR Action3D (Microsoft Research, research use)",
    "penn-action": "Penn Action (academic research dataset, no stated licence: research use)",
}


def terms_for(datasets: list[str]) -> str:
    # A reviewed set (reviewed:DIR) is the portal's own users' data: its terms are the deployment's, not a licence.
    terms = [TERMS.get(d, f"{d} (reviewed in this portal)") for d in datasets]
    return (f"Trained on {', '.join(terms)}. The weights inherit these terms: "
            "non-commercial research use only.")


DATASET_SPLITS = {
    "nw-ucla": "NW-UCLA cross-view: train views v1+v2, test view v3 (464 samples)",
    "msr-action3d": "MSR Action3D cross-subject over files_used_in_cvpr12_paper.txt: train subjects 1,3,5,7,9, "
                    "test subjects 2,4,6,8,10",
    "penn-action": "Penn Action validation split drawn from the official training files (a fifth of each class by "
                   "SHA-256 of 'penn-action-validation-1/CLIP', 253 clips; the other 1005 train); not the official "
                   "test split",
}


def architecture(cfg: dict, params: int) -> dict:
    single = "ActionGCN (InfoGCN-style attention GCN + attention pooling)"
    arch = {"model": single, "parameters": params, **cfg.get("model", {})}
    arch["jointAttention"] = (f"{cfg.get('model', {}).get('joint_attention', 'rollout')} "
                              "(docs/models.md#outputs-and-what-the-attention-means)")
    if cfg.get("streams"):
        arch["model"] = (f"StreamEnsemble of {len(cfg['streams'])} {single} streams: mean of logits, "
                         "mean of pooling weights (docs/models.md#ensembles)")
        arch.pop("features", None)
        arch["streams"] = cfg["streams"]
    return arch


def card_for(cfg: dict, labels: list[str], params: int, metrics: dict | None) -> dict:
    layout = cfg["layout"]
    v = 20 if layout == "kinect20" else 17
    input_desc = ("3D Kinect v1 camera-space joints in metres (x, y, z)" if layout == "kinect20"
                  else "2D COCO-17 keypoints in pixels with scores (x, y, score), as MoveNet reports them")
    metric_list = []
    for ds, m in (metrics or {}).items():
        if layout == "kinect20":
            how = "3D joints as recorded"
        elif ds.startswith("reviewed:"):
            how = "the reviewed tracks' keypoints as the pose estimator reported them"
        elif ds == "penn-action":
            how = "the annotated 2D keypoints (13 joints mapped to COCO-17, visibility as score), no noise"
        else:
            how = ("3D test samples mapped to COCO-17 and projected with the Kinect v1 camera (f=525 px, 640x480), "
                   "scores 0.9 body / 0.5 face, no noise")
        metric_list.append({"dataset": ds, "split": DATASET_SPLITS.get(ds, "a fifth of the videos held out"), "input": how, "top1": round(m["top1"], 4),
                            "n": m["n"], "checkpoint": "last epoch (no selection on the test or validation split)"})
    return {
        "name": cfg["name"],
        "version": cfg.get("version", "1.0.0"),
        "task": "action-recognition",
        "description": cfg.get("description", ""),
        "file": f"{cfg['name']}.onnx",
        "labels": labels,
        "layout": layout,
        "inputDescription": input_desc,
        "window": {"frames": cfg["window"], "seconds": cfg.get("window_seconds", 2.0),
                   "fps": cfg["window"] / cfg.get("window_seconds", 2.0),
                   "strideSeconds": cfg.get("stride_seconds", 1.0)},
        "input": {"name": "joints", "shape": ["batch", cfg["window"], v, 3]},
        "outputs": {
            "logits": ["batch", len(labels)],
            "frame_attention": ["batch", cfg["window"]],
            "joint_attention": ["batch", cfg["window"], v],
        },
        "normalization": {
            "method": "kinect20-centre" if layout == "kinect20" else "coco17-torso",
            "resample": "window frame t = input frame floor((t + 0.5) * F / T), clamped to F - 1",
            "spec": "docs/models.md#window-normalization",
        },
        "scores": "softmax over logits",
        "architecture": architecture(cfg, params),
        "metrics": metric_list,
        "training": {"datasets": cfg["datasets"], "seed": cfg.get("seed", 0),
                     "command": f"./portal train --config training/configs/{cfg['name']}.yaml",
                     "epochs": ({st["name"]: st.get("epochs") for st in cfg["streams"]} if cfg.get("streams")
                                else cfg.get("train", {}).get("epochs"))},
        "terms": terms_for(cfg["datasets"]),
        "license": "non-commercial research use only",
    }


def parity_fixture(model: torch.nn.Module, cfg: dict, limit: int | None) -> dict:
    """Fixed inputs (seeded random perturbations of real windows, then real test windows) with PyTorch outputs.

    The random windows are real ones with every coordinate moved by N(0, 0.05) (and random scores for coco17):
    off the data points, but still bodies. Pure noise (joints jumping by half a unit every frame) drives the
    multi-stream models into regions so ill-conditioned that float32 PyTorch itself is 7e-5 away from float64
    there, which measures float32 rather than the export."""
    rng = np.random.default_rng(1234)
    test = load_split(cfg, "test", limit or 8)
    chosen = test[:: max(1, len(test) // 5)][:5]
    real = [eval_input(cfg, s) for _, s, _ in chosen]
    inputs = []
    for i in range(3):
        x = (real[i % len(real)] + rng.normal(0, 0.05, size=real[0].shape)).astype(np.float32)
        if cfg["layout"] == "coco17":
            x[..., 2] = rng.uniform(0, 1, size=x.shape[:2])
        inputs.append(x)
    inputs += real
    ids = [f"{ds}/{s.id}" for ds, s, _ in chosen]
    x = np.stack(inputs)
    with torch.no_grad():
        logits, fa, ja = model(torch.from_numpy(x))
    return {"model": cfg["name"], "shape": list(x.shape), "sampleIds": ids,
            "inputs": x.reshape(-1).tolist(), "logits": logits.numpy().reshape(-1).tolist(),
            "frameAttention": fa.numpy().reshape(-1).tolist(), "jointAttention": ja.numpy().reshape(-1).tolist()}


def write_onnx(model: torch.nn.Module, target) -> None:
    """The graph the C# ActionRecognizer loads: input `joints` [batch, T, V, 3], outputs logits, frame_attention and
    joint_attention, opset 17, dynamic batch. `target` is a path or a binary file object."""
    was_training = model.training
    model.eval()
    dummy = torch.zeros(2, model.window, model.num_joints, 3)
    torch.onnx.export(model, dummy, target if hasattr(target, "write") else str(target), opset_version=17,
                      input_names=["joints"], output_names=["logits", "frame_attention", "joint_attention"],
                      dynamic_axes={"joints": {0: "batch"}, "logits": {0: "batch"},
                                    "frame_attention": {0: "batch"}, "joint_attention": {0: "batch"}},
                      do_constant_folding=True)
    model.train(was_training)
    if not hasattr(target, "write"):
        onnx.checker.check_model(onnx.load(str(target)))


def export(checkpoint: Path, out: Path, metrics: dict | None = None, limit: int | None = None,
           publish: bool = False) -> Path:
    model, cfg, labels = load_checkpoint(checkpoint)
    if centre_of(cfg) != "window-hip":
        # The card's normalization is the product's (docs/models.md); a model trained on other inputs would be
        # fed windows it never saw.
        raise ValueError(f"{checkpoint}: normalize.centre {centre_of(cfg)!r} is a training experiment only; the "
                         "C# ActionRecognizer centres on the window's mean hip, so this model cannot be exported")
    out.mkdir(parents=True, exist_ok=True)
    name = cfg["name"]
    onnx_path = out / f"{name}.onnx"
    write_onnx(model, onnx_path)
    if metrics is None and (checkpoint.parent / "metrics.json").exists():
        metrics = json.loads((checkpoint.parent / "metrics.json").read_text())
    params = sum(p.numel() for p in model.parameters())
    card = card_for(cfg, labels, params, metrics)
    card["architecture"]["flopsPerWindow"] = count(model, cfg["window"])
    if limit is None:  # smoke runs (a few samples) have nothing to calibrate on
        card.update(calibrate(model, cfg))
    (out / f"{name}.card.json").write_text(json.dumps(card, indent=2) + "\n")
    (out / f"{name}.parity.json").write_text(json.dumps(parity_fixture(model, cfg, limit)))
    if publish:
        models_dir = REPO_ROOT / "models" / "actions"
        fixtures = REPO_ROOT / "tests" / "Portal.Inference.Tests" / "Actions" / "Fixtures"
        models_dir.mkdir(parents=True, exist_ok=True)
        fixtures.mkdir(parents=True, exist_ok=True)
        shutil.copy(onnx_path, models_dir / onnx_path.name)
        shutil.copy(out / f"{name}.card.json", models_dir / f"{name}.card.json")
        shutil.copy(out / f"{name}.parity.json", fixtures / f"{name}.parity.json")
        preds = checkpoint.parent / "predictions.json"
        if preds.exists():
            shutil.copy(preds, fixtures / f"{name}.predictions.json")
    return onnx_path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--out")
    ap.add_argument("--publish", action="store_true")
    args = ap.parse_args(argv)
    ckpt = Path(args.checkpoint)
    torch.set_num_threads(1)
    path = export(ckpt, Path(args.out) if args.out else ckpt.parent, publish=args.publish)
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
