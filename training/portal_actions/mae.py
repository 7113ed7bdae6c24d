"""SkeletonMAE-style pretraining of an action model's encoder on unlabelled skeletons (docs/decisions/0016).

The encoder is ActionGCN's own (input features, embedding, joint embedding, the graph/temporal blocks), so its
weights drop into the model that is then fine-tuned. Each training window is masked one of two ways:
- joint level: one or two body parts (head, an arm, a leg; SkeletonMAE masks by the skeleton's parts rather than
  single joints, so a masked joint cannot be copied from its neighbour) in every frame;
- frame level: 40% of the frames, in runs of four, every joint.
Masked joints enter the encoder as a missing joint looks (zeros), and their embeddings are replaced by a learned
mask token, so the encoder itself must infer them from the visible joints and frames (its graph attention spans
every joint of a frame, its temporal convolutions neighbouring frames). A light decoder (one graph convolution over
the skeleton's adjacency, one temporal convolution, a 1x1 projection) maps the encoder's output to the normalized
joints; the loss is the mean squared error of the coordinates (x, y, z in 3D; x, y in 2D, not the detector score)
over the masked joints the source actually has (score > 0 in 2D).
No re-masking (GraphMAE's second token replacing the encoder's output at masked positions): with whole body parts
and runs of frames masked, a decoder of one graph hop and five frames sees only re-mask tokens around an elbow, a
hand or a knee, so their reconstruction was a constant that taught the encoder nothing (tests/test_mae.py).
Only the encoder is saved: BASE_NAME.encoder.pt (+ .encoder.json saying what it was trained on).

`python3 -m portal_actions.mae --config configs/NAME.yaml [--tracks DIR] [--epochs N] [--out FILE] [--limit N]`
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
import yaml
from torch import nn

from .data import REPO_ROOT, Sample, read_portal_skeleton_json
from .experiment import load_split, train_input
from .model import ActionGCN, build_single
from .reviewed import spans
from .skeletons import LAYOUTS, normalized_adjacency

BODY_PARTS = {
    "coco17": [[0, 1, 2, 3, 4], [5, 7, 9], [6, 8, 10], [11, 13, 15], [12, 14, 16]],
    "kinect20": [[2, 3], [4, 5, 6, 7], [8, 9, 10, 11], [12, 13, 14, 15], [16, 17, 18, 19]],
}
FRAME_RATIO, FRAME_RUN = 0.4, 4


def make_mask(n: int, t: int, layout: str, rng: np.random.Generator, frame_ratio: float = FRAME_RATIO,
              max_parts: int = 2) -> np.ndarray:
    """[n, t, V] True where masked: half the windows joint-level (1 to max_parts body parts), half frame-level
    (frame_ratio of the frames, in runs)."""
    v = len(LAYOUTS[layout]["names"])
    mask = np.zeros((n, t, v), dtype=bool)
    for i in range(n):
        if rng.random() < 0.5:
            parts = rng.choice(len(BODY_PARTS[layout]), size=int(rng.integers(1, max_parts + 1)), replace=False)
            for p in parts:
                mask[i, :, BODY_PARTS[layout][p]] = True
        else:
            runs = rng.choice(t // FRAME_RUN, size=max(1, round(frame_ratio * t / FRAME_RUN)), replace=False)
            for r in runs:
                mask[i, r * FRAME_RUN:(r + 1) * FRAME_RUN] = True
    return mask


class SkeletonMAE(nn.Module):
    """target "position": the masked joints' coordinates; "motion" (as MAMP, masked motion prediction): each masked
    joint's displacement to the next frame, which a copy of the neighbouring frames cannot give away."""

    def __init__(self, encoder: ActionGCN, decoder_channels: int = 32, target: str = "position"):
        super().__init__()
        if target not in ("position", "motion"):
            raise ValueError(f"pretrain target must be position or motion, not {target!r}")
        self.target = target
        self.encoder = encoder
        c = encoder.embed[0].out_channels
        v = encoder.num_joints
        self.mask_token = nn.Parameter(torch.zeros(1, c, 1, 1))
        edges = LAYOUTS[encoder.layout]["edges"]
        self.register_buffer("adjacency", torch.tensor(normalized_adjacency(v, edges), dtype=torch.float32))
        d = decoder_channels
        self.decode_in = nn.Sequential(nn.Conv2d(c, d, 1), nn.BatchNorm2d(d), nn.ReLU())
        self.decode_temporal = nn.Sequential(nn.Conv2d(d, d, (5, 1), padding=(2, 0)), nn.BatchNorm2d(d), nn.ReLU())
        self.decode_out = nn.Conv2d(d, LAYOUTS[encoder.layout]["channels"], 1)

    def forward(self, joints: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """joints [N, T, V, C] normalized, mask [N, T, V] bool -> reconstruction [N, T, V, C]."""
        e = self.encoder
        m = mask.unsqueeze(1)                                             # [N, 1, T, V]
        visible = joints * (~mask).unsqueeze(-1).float()
        h = e.embed(e.input_features(visible))
        h = torch.where(m, self.mask_token.expand_as(h), h) + e.joint_embedding
        y = self.decode_in(e.blocks(h))
        y = torch.einsum("nctv,wv->nctw", y, self.adjacency)              # one graph convolution
        y = self.decode_out(self.decode_temporal(y))
        return y.permute(0, 2, 3, 1)

    def loss(self, joints: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        rec = self(joints, mask)
        weight = mask.float()
        present = torch.ones_like(weight)
        if self.encoder.layout == "coco17":
            present = (joints[..., 2] > 0).float()  # a joint the source lacks has nothing to reconstruct
            weight = weight * present
            if self.encoder.ignore_joints:
                weight[:, :, list(self.encoder.ignore_joints)] = 0.0
        coords = 2 if self.encoder.layout == "coco17" else 3     # the score channel is the detector's, not a pose
        target = joints[..., :coords]
        if self.target == "motion":
            # Frame t predicts t -> t+1; it counts when either end is masked and the joint is there at both.
            target = target[:, 1:] - target[:, :-1]
            rec = rec[:, :-1]
            weight = torch.maximum(weight[:, :-1], weight[:, 1:]) * present[:, :-1] * present[:, 1:]
        err = ((rec[..., :coords] - target) ** 2).sum(-1)
        return (err * weight).sum() / weight.sum().clamp_min(1.0)


def track_samples(folder: Path, window_seconds: float, stride_seconds: float, layout: str) -> list[Sample]:
    """Every track of every skeleton JSON under `folder` (e.g. a reviewed set's tracks/), cut into the product's
    windows, as unlabelled samples."""
    out = []
    for path in sorted(Path(folder).rglob("*.json")):
        doc = json.loads(path.read_text())
        if "frames" not in doc:
            continue  # labels.json and other files beside the tracks
        if doc.get("layout") != layout:
            raise ValueError(f"{path}: layout {doc.get('layout')}, the encoder is {layout}")
        size = (int(doc.get("width") or 640), int(doc.get("height") or 480))
        tracks = read_portal_skeleton_json(path)
        for tid in [k for k in tracks if not k.endswith(":time")]:
            times, frames = tracks[f"{tid}:time"], tracks[tid]
            order = np.argsort(times, kind="stable")
            times, frames = times[order], frames[order]
            for start, _, first, n in spans(times, window_seconds, stride_seconds):
                if n >= 4:
                    out.append(Sample(f"{path.stem}/{tid}@{start:.2f}", frames[first:first + n], -1, 0, 0,
                                      layout, size))
    return out


def encoder_state(model: ActionGCN) -> dict:
    return {k: v for k, v in model.state_dict().items() if not k.startswith(("pool_score.", "classifier."))}


def pretrain(cfg: dict, samples: list[Sample], epochs: int, seed: int = 0, batch: int = 32, lr: float = 2e-3,
             log=print) -> tuple[ActionGCN, list[float]]:
    """-> (the model whose encoder was pretrained; its head untouched), the mean loss of each epoch. The config's
    pretrain section may set frame_ratio, max_parts (the masks), target (position or motion) and augment (settings
    over the config's augment for pretraining only, e.g. no simulated detector noise)."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    options = cfg.get("pretrain", {})
    cfg = {**cfg, "augment": {**cfg.get("augment", {}), **options.get("augment", {})}}
    encoder = build_single(cfg, cfg["layout"], 1)
    mae = SkeletonMAE(encoder, target=options.get("target", "position"))
    opt = torch.optim.AdamW(mae.parameters(), lr=lr, weight_decay=0.01)
    steps = max(1, len(samples) // batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=epochs * steps, pct_start=0.1)
    losses = []
    for epoch in range(epochs):
        mae.train()
        order = rng.permutation(len(samples))
        total, t0 = 0.0, time.time()
        for b in range(steps):
            idx = order[b * batch:(b + 1) * batch]
            x = torch.from_numpy(np.stack([train_input(cfg, samples[i], rng) for i in idx]))
            mask = torch.from_numpy(make_mask(len(idx), cfg["window"], cfg["layout"], rng,
                                              options.get("frame_ratio", FRAME_RATIO), options.get("max_parts", 2)))
            loss = mae.loss(x, mask)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss)
        losses.append(total / steps)
        log(f"mae epoch {epoch + 1}/{epochs} loss {losses[-1]:.4f} {time.time() - t0:.1f}s")
    return encoder, losses


def save_encoder(model: ActionGCN, cfg: dict, path: Path, about: dict) -> None:
    """path: BASE_NAME.encoder.pt (the state_dict of everything before the pooling, and the architecture it fits)
    and BASE_NAME.encoder.json beside it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    torch.save({"layout": cfg["layout"], "architecture": cfg["model"], "state_dict": encoder_state(model)}, tmp)
    tmp.replace(path)
    path.with_name(path.name.replace(".encoder.pt", ".encoder.json")).write_text(json.dumps(about, indent=2) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="SkeletonMAE pretraining of a config's encoder on unlabelled skeletons")
    ap.add_argument("--config", required=True)
    ap.add_argument("--tracks", action="append", default=[], help="a folder of skeleton JSON (repeatable)")
    ap.add_argument("--no-datasets", action="store_true", help="only --tracks, not the config's datasets")
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--limit", type=int)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", help="default models/actions/NAME.encoder.pt")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    cfg = yaml.safe_load(Path(args.config).read_text())
    if cfg.get("streams"):
        raise SystemExit(f"{args.config}: an ensemble config; pretraining needs a single-stream model")
    samples: list[Sample] = []
    sources = {}
    if not args.no_datasets:
        # The datasets' training splits, labels unused (the test splits stay unseen, so benchmarks stay fair).
        ds = [s for _, s, _ in load_split(cfg, "train", args.limit)]
        samples += ds
        sources["datasets"] = {"names": cfg["datasets"], "split": "train", "clips": len(ds)}
    for folder in args.tracks:
        tr = track_samples(Path(folder), cfg.get("window_seconds", 2.0), cfg.get("stride_seconds", 1.0),
                           cfg["layout"])
        samples += tr
        sources.setdefault("tracks", []).append({"folder": str(folder), "windows": len(tr)})
    if not samples:
        raise SystemExit("nothing to pretrain on")
    started = time.time()
    model, losses = pretrain(cfg, samples, args.epochs, args.seed, log=lambda m: print(m, flush=True))
    out = Path(args.out) if args.out else REPO_ROOT / "models" / "actions" / f"{cfg['name']}.encoder.pt"
    save_encoder(model, cfg, out, {"base": cfg["name"], "method": "SkeletonMAE (docs/decisions/0016)",
                                   "trainedOn": sources, "epochs": args.epochs, "seed": args.seed,
                                   "finalLoss": round(losses[-1], 5), "seconds": round(time.time() - started, 1)})
    print(f"wrote {out} ({out.stat().st_size} bytes)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
