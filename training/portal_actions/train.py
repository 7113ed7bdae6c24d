"""`python3 -m portal_actions.train --config configs/NAME.yaml [--out DIR] [--epochs N] [--limit N]`

Trains one model, evaluates it on the test split(s), writes DIR/model.pt, DIR/metrics.json, DIR/log.txt and
exports DIR/NAME.onnx + DIR/NAME.card.json. Reproducible from the config's seed (one thread per process
gives bit-identical runs on one machine).
"""
from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import numpy as np
import torch
import yaml

from . import augment
from .data import NWUCLA_LABELS, MSR_LABELS, UNION_LABELS, Sample, load_dataset
from .model import build_model
from .normalize import prepare
from .skeletons import eval_projection


def labels_for(cfg: dict) -> list[str]:
    datasets = cfg["datasets"]
    if datasets == ["nw-ucla"]:
        return NWUCLA_LABELS
    if datasets == ["msr-action3d"]:
        return MSR_LABELS
    return UNION_LABELS


def load_split(cfg: dict, split: str, limit: int | None = None) -> list[tuple[str, Sample, int]]:
    """-> (dataset, sample, label index in this model's label list)."""
    labels = labels_for(cfg)
    out = []
    for name in cfg["datasets"]:
        samples, ds_labels, _ = load_dataset(name, split, limit)
        for s in samples:
            out.append((name, s, labels.index(ds_labels[s.label])))
    return out


def eval_input(cfg: dict, sample: Sample) -> np.ndarray:
    """The deterministic model input of a test sample (what the C# evaluate computes)."""
    frames = sample.joints if cfg["layout"] == "kinect20" else eval_projection(sample.joints)
    return prepare(frames, cfg["layout"], cfg["window"])


def train_input(cfg: dict, sample: Sample, rng: np.random.Generator) -> np.ndarray:
    aug = cfg.get("augment", {})
    if cfg["layout"] == "kinect20":
        return augment.augment_3d(sample.joints, rng, cfg["window"], aug)
    return augment.augment_2d(sample.joints, rng, cfg["window"], aug)


@torch.no_grad()
def predict(model: torch.nn.Module, inputs: np.ndarray, batch: int = 64) -> np.ndarray:
    model.eval()
    outs = [model(torch.from_numpy(inputs[i:i + batch]))[0].numpy() for i in range(0, len(inputs), batch)]
    return np.concatenate(outs) if outs else np.zeros((0, 0), np.float32)


def evaluate(cfg: dict, model: torch.nn.Module, test: list[tuple[str, Sample, int]]) -> dict:
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


def set_seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True)
    ap.add_argument("--out")
    ap.add_argument("--epochs", type=int)
    ap.add_argument("--limit", type=int, help="use at most N samples per dataset and split (smoke runs)")
    ap.add_argument("--threads", type=int)
    ap.add_argument("--resume", action="store_true", help="continue from DIR/state.pt (written at every evaluation)")
    args = ap.parse_args(argv)

    cfg = yaml.safe_load(Path(args.config).read_text())
    tcfg = cfg.get("train", {})
    if args.epochs:
        tcfg["epochs"] = args.epochs
    limit = args.limit or cfg.get("limit")
    torch.set_num_threads(args.threads or tcfg.get("threads", 1))
    out = Path(args.out or Path(__file__).resolve().parents[1] / "runs" / cfg["name"])
    out.mkdir(parents=True, exist_ok=True)
    log_file = (out / "log.txt").open("w")

    def log(msg: str) -> None:
        line = f"{time.strftime('%H:%M:%S')} {msg}"
        print(line, flush=True)
        log_file.write(line + "\n")
        log_file.flush()

    set_seed(cfg.get("seed", 0))
    rng = np.random.default_rng(cfg.get("seed", 0))
    labels = labels_for(cfg)
    train = load_split(cfg, "train", limit)
    test = load_split(cfg, "test", limit)
    log(f"config {args.config}: {len(train)} train, {len(test)} test samples, {len(labels)} labels")
    model = build_model(cfg, cfg["layout"], len(labels))
    params = sum(p.numel() for p in model.parameters())
    log(f"model: {params} parameters")

    epochs, bs = tcfg.get("epochs", 60), tcfg.get("batch", 32)
    steps_per_epoch = max(1, len(train) // bs)
    total, warm = epochs * steps_per_epoch, tcfg.get("warmup_epochs", 3) * steps_per_epoch
    opt = torch.optim.SGD(model.parameters(), lr=tcfg.get("lr", 0.1), momentum=0.9, nesterov=True,
                          weight_decay=tcfg.get("weight_decay", 4e-4))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warm if s < warm else 0.5 * (1 + np.cos(np.pi * (s - warm) / max(1, total - warm))))
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=tcfg.get("label_smoothing", 0.1))
    ys = np.array([y for _, _, y in train])
    eval_every = tcfg.get("eval_every", 5)
    first_epoch = 0
    state_path = out / "state.pt"
    if args.resume and state_path.exists():
        state = torch.load(state_path, map_location="cpu")
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        rng.bit_generator.state = state["rng"]
        torch.set_rng_state(state["torch_rng"])
        first_epoch = state["epoch"]
        log(f"resumed after epoch {first_epoch}")
    for epoch in range(first_epoch, epochs):
        model.train()
        order = rng.permutation(len(train))
        t0, total_loss, correct = time.time(), 0.0, 0
        for b in range(steps_per_epoch):
            idx = order[b * bs:(b + 1) * bs]
            x = torch.from_numpy(np.stack([train_input(cfg, train[i][1], rng) for i in idx]))
            y = torch.from_numpy(ys[idx])
            logits, _, _ = model(x)
            loss = loss_fn(logits, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total_loss += float(loss) * len(idx)
            correct += int((logits.argmax(1) == y).sum())
        n = steps_per_epoch * bs
        msg = f"epoch {epoch + 1}/{epochs} loss {total_loss / n:.4f} train_acc {correct / n:.4f} lr {sched.get_last_lr()[0]:.4f} {time.time() - t0:.0f}s"
        if (epoch + 1) % eval_every == 0 or epoch + 1 == epochs:
            r = evaluate(cfg, model, test)
            msg += " | " + " ".join(f"{ds} top1 {r[ds]['top1']:.4f} (n={r[ds]['n']})" for ds in cfg["datasets"])
            torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
                        "rng": rng.bit_generator.state, "torch_rng": torch.get_rng_state(), "epoch": epoch + 1},
                       state_path)
        log(msg)
    # The model that ships is the last epoch's: no test-set model selection.
    torch.save({"config": cfg, "state_dict": model.state_dict(), "labels": labels}, out / "model.pt")
    result = evaluate(cfg, model, test)
    metrics = {ds: result[ds] for ds in cfg["datasets"]}
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2))
    (out / "predictions.json").write_text(json.dumps(result["predictions"], indent=0, sort_keys=True))
    log(f"final (last epoch): {json.dumps(metrics)}")
    from .export import export
    export(out / "model.pt", out, metrics=metrics, limit=limit)
    log(f"exported to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
