"""Writes the shared normalization fixture (tests/Portal.Inference.Tests/Actions/Fixtures/normalization.json):
raw windows and what the spec in docs/models.md makes of them. pytest checks that the committed file still
matches this code; the C# tests check WindowNormalizer and the projection against the same file.

`python3 -m portal_actions.fixtures [--check]`; `--graphs` writes the test graphs of the config options no shipped
model uses yet (Fixtures/graphs/, see GRAPH_OPTIONS).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from .data import REPO_ROOT, load_msr, load_nwucla
from .normalize import normalize, resample_indices
from .skeletons import eval_projection

FIXTURE = REPO_ROOT / "tests" / "Portal.Inference.Tests" / "Actions" / "Fixtures" / "normalization.json"


def _round(a: np.ndarray) -> list:
    return np.round(np.asarray(a, dtype=np.float64), 9).tolist()


def build() -> dict:
    rng = np.random.default_rng(42)
    cases = []
    # Kinect20 from real data (one file of each dataset, first 12 frames).
    for name, sample in [("nw-ucla", load_nwucla("test", limit=1)[0]), ("msr-action3d", load_msr("test", limit=1)[0])]:
        raw = sample.joints[:12]
        cases.append({"name": f"kinect20 {name} {sample.id}", "layout": "kinect20", "raw": _round(raw),
                      "expected": _round(normalize(raw, "kinect20"))})
    # COCO-17: a projected real sample, a noisy one with dropped joints, one without hips, one with no scores.
    sample = load_nwucla("test", limit=1)[0]
    proj = eval_projection(sample.joints[:10])
    cases.append({"name": "coco17 projected", "layout": "coco17", "raw": _round(proj),
                  "expected": _round(normalize(proj, "coco17"))})
    noisy = proj + np.concatenate([rng.normal(0, 3, proj[..., :2].shape), np.zeros(proj[..., 2:].shape)], -1)
    noisy[..., 2] = rng.uniform(-0.1, 1.1, noisy.shape[:2])
    noisy[rng.random(noisy.shape[:2]) < 0.2, 2] = 0.0
    cases.append({"name": "coco17 noisy scores and dropped joints", "layout": "coco17", "raw": _round(noisy),
                  "expected": _round(normalize(noisy, "coco17"))})
    no_hips = noisy.copy()
    no_hips[:, 11:13, 2] = 0.0
    cases.append({"name": "coco17 without hips", "layout": "coco17", "raw": _round(no_hips),
                  "expected": _round(normalize(no_hips, "coco17"))})
    nothing = noisy.copy()
    nothing[..., 2] = 0.0
    cases.append({"name": "coco17 all scores zero", "layout": "coco17", "raw": _round(nothing),
                  "expected": _round(normalize(nothing, "coco17"))})
    resample = [{"frames": f, "window": t, "indices": resample_indices(f, t).tolist()}
                for f, t in [(1, 32), (7, 32), (31, 32), (32, 32), (33, 32), (100, 32), (201, 32), (45, 8)]]
    projection = {"sample": sample.id, "joints": _round(sample.joints[:3]), "expected": _round(eval_projection(sample.joints[:3]))}
    return {"cases": cases, "resample": resample, "projection": projection}


GRAPHS = FIXTURE.parent / "graphs"

# The config options whose exported graphs no shipped model has yet, each as a tiny untrained coco17 model: C#
# (ActionRecognizerTests) runs their ONNX files in ONNX Runtime against the PyTorch outputs written beside them.
GRAPH_OPTIONS = {
    "tiny-frequency": {"frequency_low": 5},  # FreqMixFormer-style frequency attention (DCT as matmuls)
    "tiny-bottleneck": {"bottleneck": {}},   # InfoGCN's information-bottleneck head
}


def write_graphs(folder: Path = GRAPHS) -> list[Path]:
    """GRAPH_OPTIONS -> folder/NAME.onnx, NAME.card.json, NAME.parity.json. The weights are random (seeded), with
    the frequency branch mixed in (its learned mix starts at 0, which would leave it out of the outputs) and
    non-trivial BatchNorm statistics, so that every operator of the option reaches the outputs."""
    import torch
    from .export import card_for, parity_fixture, write_onnx
    from .model import SelfAttentionGraphConv, build_model
    written = []
    folder.mkdir(parents=True, exist_ok=True)
    for name, options in GRAPH_OPTIONS.items():
        cfg = {"name": name, "version": "0.0.0", "description": f"test graph: {options}", "seed": 0,
               "datasets": ["nw-ucla"], "layout": "coco17", "window": 16, "window_seconds": 2.0,
               "stride_seconds": 1.0,
               "model": {"channels": 16, "blocks": 2, "heads": 2, "key_dim": 4, "dropout": 0.0,
                         "features": ["joint", "bone", "motion"], **options}}
        torch.manual_seed(0)
        model = build_model(cfg, "coco17", 10)
        gen = torch.Generator().manual_seed(1)
        with torch.no_grad():
            for m in model.modules():
                if isinstance(m, SelfAttentionGraphConv) and m.frequency_low:
                    m.frequency_mix.fill_(0.7)
                    m.band_scale.copy_(torch.tensor([[1.5, 0.5], [0.8, 1.2]]))
                if isinstance(m, torch.nn.BatchNorm2d):
                    m.running_mean.copy_(0.1 * torch.randn(m.running_mean.shape, generator=gen))
                    m.running_var.copy_(1.0 + 0.2 * torch.rand(m.running_var.shape, generator=gen))
        model.eval()
        write_onnx(model, folder / f"{name}.onnx")
        params = sum(p.numel() for p in model.parameters())
        card = card_for(cfg, [f"label {i}" for i in range(10)], params, None)
        card["uncertainBelow"] = 0.5
        (folder / f"{name}.card.json").write_text(json.dumps(card, indent=2) + "\n")
        (folder / f"{name}.parity.json").write_text(json.dumps(parity_fixture(model, cfg, 8)))
        written += [folder / f"{name}.{ext}" for ext in ("onnx", "card.json", "parity.json")]
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--graphs", action="store_true", help=f"(re)write the test graphs of {sorted(GRAPH_OPTIONS)}")
    args = ap.parse_args(argv)
    if args.graphs:
        for path in write_graphs():
            print(path)
        return 0
    text = json.dumps(build(), indent=None) + "\n"
    if args.check:
        ok = FIXTURE.exists() and FIXTURE.read_text() == text
        print("normalization fixture is " + ("up to date" if ok else "STALE: run python3 -m portal_actions.fixtures"))
        return 0 if ok else 1
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    FIXTURE.write_text(text)
    print(FIXTURE)
    return 0


if __name__ == "__main__":
    sys.exit(main())
