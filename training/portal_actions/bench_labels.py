"""What SkeletonMAE pretraining is worth when labels are few: top-1 on the test split after training with 5%, 10%,
20% and 100% of the training labels, from scratch versus from the MAE-pretrained encoder.

`python3 -m portal_actions.bench_labels [--configs configs/bench-nwucla-3d.yaml ...] [--steps N]
    [--pretrain-epochs N] [--fractions 0.05,0.1,0.2,1] [--json FILE]`

Per config: the encoder is pretrained once on every training clip without its label; each labelled subset is drawn
per class (per dataset and label: ceil(fraction * clips), at least one), by clip, from a fixed seed, so both arms see
the same clips. Both arms then train the same model for the same number of optimizer steps with the config's
optimizer and schedule (a fixed step count rather than epochs: 5% of a dataset is one or two batches an epoch).
"""
from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np
import torch
import yaml

from .experiment import evaluate, labels_for, load_split, train_input
from .mae import encoder_state, pretrain
from .model import build_single

CONFIGS = ["configs/bench-nwucla-3d.yaml", "configs/bench-coco2d.yaml"]


def label_subset(train: list, fraction: float, seed: int) -> list:
    """ceil(fraction * n) clips of each (dataset, label) class, drawn with a fixed seed."""
    rng = np.random.default_rng(seed)
    classes: dict[tuple[str, int], list[int]] = {}
    for i, (ds, _, y) in enumerate(train):
        classes.setdefault((ds, y), []).append(i)
    chosen = []
    for key in sorted(classes):
        idx = classes[key]
        chosen += list(rng.choice(idx, size=max(1, math.ceil(fraction * len(idx))), replace=False))
    return [train[i] for i in sorted(chosen)]


def supervised(cfg: dict, train: list, test: list, steps: int, seed: int, encoder: dict | None) -> float:
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    labels = labels_for(cfg)
    model = build_single(cfg, cfg["layout"], len(labels))
    if encoder is not None:
        missing, unexpected = model.load_state_dict(encoder, strict=False)
        assert not unexpected and all(k.startswith(("pool_score.", "classifier.")) for k in missing)
    t = cfg["train"]
    opt = torch.optim.SGD(model.parameters(), lr=t.get("lr", 0.1), momentum=0.9, nesterov=True,
                          weight_decay=t.get("weight_decay", 4e-4))
    warm = max(1, steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warm if s < warm else 0.5 * (1 + np.cos(np.pi * (s - warm) / max(1, steps - warm))))
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=t.get("label_smoothing", 0.1))
    batch = min(t.get("batch", 32), len(train))
    ys = np.array([y for _, _, y in train])
    order, pos = rng.permutation(len(train)), 0
    model.train()
    for _ in range(steps):
        if pos + batch > len(order):
            order, pos = rng.permutation(len(train)), 0
        idx = order[pos:pos + batch]
        pos += batch
        x = torch.from_numpy(np.stack([train_input(cfg, train[i][1], rng) for i in idx]))
        loss = loss_fn(model(x)[0], torch.from_numpy(ys[idx]))
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
    result = evaluate(cfg, model, test)
    n = sum(result[ds]["n"] for ds in cfg["datasets"])
    return sum(result[ds]["top1"] * result[ds]["n"] for ds in cfg["datasets"]) / n


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--configs", nargs="+", default=CONFIGS)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--pretrain-epochs", type=int, help="default: the config's pretrain.epochs (10 if none)")
    ap.add_argument("--fractions", default="0.05,0.1,0.2,1")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--lr", type=float, help="the supervised learning rate of both arms (default: the config's)")
    ap.add_argument("--limit", type=int, help="at most N clips per dataset and split (smoke runs)")
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    fractions = [float(f) for f in args.fractions.split(",")]
    rows = []
    for path in args.configs:
        cfg = yaml.safe_load(Path(path).read_text())
        if args.lr:
            cfg["train"]["lr"] = args.lr
        t0 = time.time()
        train, test = load_split(cfg, "train", args.limit), load_split(cfg, "test", args.limit)
        epochs = args.pretrain_epochs or cfg.get("pretrain", {}).get("epochs", 10)
        model, losses = pretrain(cfg, [s for _, s, _ in train], epochs, args.seed,
                                 log=lambda m: print(f"[{cfg['name']}] {m}", flush=True))
        encoder = encoder_state(model)
        print(f"[{cfg['name']}] pretrained in {time.time() - t0:.0f}s, final loss {losses[-1]:.4f}", flush=True)
        for f in fractions:
            subset = label_subset(train, f, args.seed)
            scratch = supervised(cfg, subset, test, args.steps, args.seed, None)
            mae = supervised(cfg, subset, test, args.steps, args.seed, encoder)
            rows.append({"config": cfg["name"], "fraction": f, "clips": len(subset), "scratch": scratch, "mae": mae})
            print(f"[{cfg['name']}] {f:.0%} ({len(subset)} clips): scratch {scratch:.4f} mae {mae:.4f} "
                  f"({time.time() - t0:.0f}s)", flush=True)
    print("\n| model | labels | clips | from scratch | MAE-pretrained | gain (points) |\n|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['config']} | {r['fraction']:.0%} | {r['clips']} | {100 * r['scratch']:.1f} | "
              f"{100 * r['mae']:.1f} | {100 * (r['mae'] - r['scratch']):+.1f} |")
    if args.json:
        Path(args.json).write_text(json.dumps({"steps": args.steps, "pretrainEpochs": args.pretrain_epochs or "per config",
                                               "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
