"""Fine-tunes a shipped action model on a reviewed training set (learning contract §2, docs/formats.md).

python3 -m portal_actions.finetune --data DIR --base BASE.onnx --out OUTDIR --name NAME --version VERSION
    [--encoder ENCODER.pt] [--epochs N] [--seed S] [--min-windows K] [--threads T] [--validation-fraction F] [--resume]

The base's weights come back from its ONNX graph (base_model.py); an --encoder (mae.py) replaces its encoder; the
classifier head is new, one output per label of labels.json. Validation holds out whole videos. Stdout carries one
JSON event per line and nothing else; logs go to stderr. OUTDIR/checkpoint.pt is replaced atomically after every
epoch (with the epoch lines so far, which --resume prints again first); the ONNX and card are written to temporary
names and renamed at the very end. The trainer stops by itself once the process that started it is gone: on Linux at
once (the kernel's parent-death signal), elsewhere before its next batch.
"""
from __future__ import annotations

import argparse
import ctypes
import json
import os
import random
import signal
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from . import augment
from .base_model import load_base, new_model
from .counts import label_counts
from .export import card_for, write_onnx
from .normalize import prepare
from .reviewed import FORMAT, load_reviewed, validation_videos

REFUSED = 3
# Fine-tuning augmentation: the reviewed windows are already what the pose estimator reports, so lighter than the
# shipped model's (a milder crop, the small rotation and estimator noise of real 2D clips, the mirror image).
AUGMENT = {"min_crop": 0.75, "clean": 0.3, "roll_2d": 8, "jitter_px": [0.003, 0.015], "drop": 0.05,
           "partial": 0.05, "missing_frames": 0.2, "flip": 0.5}


def emit(event: str, **fields) -> None:
    print(json.dumps({"event": event, **fields}), flush=True)


def log(msg: str) -> None:
    print(f"finetune {time.strftime('%H:%M:%S')} {msg}", file=sys.stderr, flush=True)


def heads(model: nn.Module) -> list[nn.Module]:
    return list(model.streams) if hasattr(model, "streams") else [model]


def load_encoder(model: nn.Module, path: Path, cfg: dict) -> None:
    """Replaces the encoder (everything before the attention pooling) with a SkeletonMAE-pretrained one."""
    if hasattr(model, "streams"):
        raise ValueError("--encoder needs a single-stream base model; this base is an ensemble")
    enc = torch.load(path, map_location="cpu")
    shape = ("channels", "blocks", "heads", "key_dim", "features", "ignore_joints", "frequency_low")
    same = all(list(np.atleast_1d(enc.get("architecture", {}).get(k, 0))) == list(np.atleast_1d(cfg["model"].get(k, 0)))
               for k in shape)
    if enc.get("layout") != cfg["layout"] or not same:
        raise ValueError(f"{path}: encoder of another architecture ({enc.get('layout')}, {enc.get('architecture')})")
    missing, unexpected = model.load_state_dict(enc["state_dict"], strict=False)
    if unexpected or any(not k.startswith(("pool_score.", "classifier.")) for k in missing):
        raise ValueError(f"{path}: encoder weights do not fit the base ({unexpected[:3]} {missing[:3]})")


def freeze_batchnorm(model: nn.Module) -> None:
    """BatchNorm keeps its statistics while fine-tuning: the base's are folded into its convolutions, and batches
    of a few reviewed windows would estimate new ones badly. Scale and shift still learn."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.eval()


def accuracy(model: nn.Module, x: np.ndarray, y: np.ndarray) -> float | None:
    if len(x) == 0:
        return None
    model.eval()
    with torch.no_grad():
        pred = np.concatenate([model(torch.from_numpy(x[i:i + 128]))[0].argmax(1).numpy()
                               for i in range(0, len(x), 128)])
    return float((pred == y).mean())


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_starter() -> int:
    """Arranges for the trainer to exit as soon as the process that started it dies, and returns that process's id.

    A SIGKILLed worker cannot stop its trainer, and the job's retry on another worker must not meet it still writing
    the checkpoint; checking between batches (stop_if_orphaned) leaves it running through a long export or data load.
    Linux sends the parent-death signal when the *thread* that started the trainer ends, not only the process (.NET
    starts it from a thread-pool thread, which may retire while the worker lives), so the handler exits only once the
    trainer has really been handed to another parent."""
    starter = os.getppid()
    if not sys.platform.startswith("linux"):
        return starter

    def starter_gone(*_) -> None:
        if os.getppid() != starter:
            log(f"the process that started this trainer (pid {starter}) is gone: stopping; the last checkpoint stays")
            sys.exit(137)

    signal.signal(signal.SIGUSR1, starter_gone)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGUSR1), 0, 0, 0) != 0:
        log(f"prctl(PR_SET_PDEATHSIG) failed (errno {ctypes.get_errno()}): the trainer notices its starter's death between batches only")
    starter_gone()  # it may have died before the signal was asked for
    return starter


def stop_if_orphaned(parent: int) -> None:
    """Exits once the process that started the trainer is gone (a SIGKILLed worker cannot stop it): the job is retried
    by another worker, which resumes from the last checkpoint, and must not meet this process still writing it."""
    if os.getppid() != parent:
        log(f"the process that started this trainer (pid {parent}) is gone: stopping; the last checkpoint stays")
        sys.exit(137)


def atomic_save(obj, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def run(args: argparse.Namespace) -> int:
    started = time.time()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    base, cfg, base_card = load_base(args.base)
    rs = load_reviewed(args.data, cfg["window_seconds"], cfg["stride_seconds"])
    if rs.layout != cfg["layout"]:
        raise ValueError(f"the reviewed set is {rs.layout}, the base model {cfg['layout']}")
    counts = label_counts(rs)  # the same count the train page shows before starting (counts.py)
    emit("counts", labels=counts, minWindows=args.min_windows)
    short = {k: {"windows": n, "needed": args.min_windows} for k, n in counts.items() if n < args.min_windows}
    if short or not counts:
        emit("refused", labels=short)
        return REFUSED

    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    held_out = validation_videos([w.video for w in rs.windows], args.validation_fraction, args.seed)
    train = [w for w in rs.windows if w.video not in held_out]
    val = [w for w in rs.windows if w.video in held_out]
    log(f"{len(rs.windows)} windows from {rs.tracks} tracks: {len(train)} train, {len(val)} validation "
        f"({len(held_out)} videos held out)")
    vx = np.stack([prepare(w.frames, cfg["layout"], cfg["window"]) for w in val]) if val else np.zeros((0,))
    vy = np.array([w.label for w in val])

    model = new_model(cfg, len(rs.labels))
    state = {k: v for k, v in base.state_dict().items() if not k.split(".")[-2:-1] == ["classifier"]}
    model.load_state_dict(state, strict=False)  # everything but the head, which is new (sized to these labels)
    if args.encoder:
        load_encoder(model, Path(args.encoder), cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
    first_epoch = 0
    lines: list[dict] = []  # the epoch lines so far: kept in the checkpoint so that a resumed run can say them again
    ckpt_path = out / "checkpoint.pt"
    if args.resume and ckpt_path.exists():
        ckpt = torch.load(ckpt_path, map_location="cpu")
        if ckpt["labels"] != rs.labels or ckpt["epochs"] != args.epochs:
            raise ValueError(f"{ckpt_path} is of another run (labels or epochs differ); remove it or drop --resume")
        model.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["optimizer"])
        sched.load_state_dict(ckpt["scheduler"])
        rng.bit_generator.state = ckpt["rng"]
        torch.set_rng_state(ckpt["torch_rng"])
        first_epoch = ckpt["epoch"]
        lines = ckpt.get("lines", [])
        log(f"resumed after epoch {first_epoch}")
        # The product keeps the lines of the process it is reading: repeating the checkpoint's gives it every epoch once,
        # including one whose line was lost when the worker died between the checkpoint and the line.
        for line in lines:
            emit("epoch", **line)

    ys = np.array([w.label for w in train])
    batch = min(args.batch, len(train))
    steps = max(1, len(train) // batch)
    val_acc = None
    for epoch in range(first_epoch + 1, args.epochs + 1):
        t0 = time.time()
        model.train()
        freeze_batchnorm(model)
        order = rng.permutation(len(train))
        total, correct, seen = 0.0, 0, 0
        for b in range(steps):
            stop_if_orphaned(args.parent)
            idx = order[b * batch:(b + 1) * batch]
            x = torch.from_numpy(np.stack([augment.augment_2d(
                augment.real_2d(train[i].frames, train[i].image_size, rng, AUGMENT), rng, cfg["window"], AUGMENT)
                for i in idx]))
            y = torch.from_numpy(ys[idx])
            logits = model(x)[0]
            loss = loss_fn(logits, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss) * len(idx)
            correct += int((logits.argmax(1) == y).sum())
            seen += len(idx)
        sched.step()
        val_acc = accuracy(model, vx, vy)
        lines.append({"epoch": epoch, "epochs": args.epochs, "loss": round(total / seen, 4),
                      "trainAccuracy": round(correct / seen, 4),
                      "validationAccuracy": None if val_acc is None else round(val_acc, 4),
                      "seconds": round(time.time() - t0, 2)})
        atomic_save({"model": model.state_dict(), "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
                     "rng": rng.bit_generator.state, "torch_rng": torch.get_rng_state(), "epoch": epoch,
                     "epochs": args.epochs, "labels": rs.labels, "lines": lines}, ckpt_path)
        emit("epoch", **lines[-1])

    model.eval()
    onnx_path, card_path = out / f"{args.name}.onnx", out / f"{args.name}.card.json"
    tmp_onnx, tmp_card = out / f".{args.name}.onnx.tmp", out / f".{args.name}.card.json.tmp"
    write_onnx(model, tmp_onnx)
    metrics = {"validationAccuracy": val_acc, "windows": len(rs.windows), "trainWindows": len(train),
               "validationWindows": len(val), "epochs": args.epochs, "seconds": round(time.time() - started, 1)}
    tmp_card.write_text(json.dumps(card(cfg, base_card, rs, args, model, metrics), indent=2) + "\n")
    os.replace(tmp_onnx, onnx_path)
    os.replace(tmp_card, card_path)  # the card last: a card on disk always has its model beside it
    emit("done", onnx=str(onnx_path), card=str(card_path), metrics=metrics)
    return 0


def card(cfg: dict, base_card: dict, rs, args: argparse.Namespace, model: nn.Module, metrics: dict) -> dict:
    """The shipped cards' shape (export.card_for) for the fine-tuned model, plus where it came from."""
    data = f"reviewed:{Path(args.data).name}"
    c = card_for({**cfg, "name": args.name, "version": args.version, "datasets": [data]}, rs.labels,
                 sum(p.numel() for p in model.parameters()), None)
    c["description"] = f"{base_card['name']} {base_card.get('version')} fine-tuned on {len(rs.labels)} reviewed labels"
    c["metrics"] = [{"dataset": data, "split": f"{metrics['validationWindows']} windows of the held-out videos "
                     f"(--validation-fraction {args.validation_fraction}, seed {args.seed})",
                     "input": "the reviewed tracks' keypoints", "top1": metrics["validationAccuracy"],
                     "n": metrics["validationWindows"], "checkpoint": "last epoch"}]
    if metrics["validationAccuracy"] is None:
        c["metrics"] = []  # one video: nothing held out, nothing measured (the C# card reads top1 as a number)
    c["training"] = {"datasets": [data], "seed": args.seed, "epochs": args.epochs, "encoder": args.encoder,
                     "command": "python3 -m portal_actions.finetune " + " ".join(sys.argv[1:])}
    # No calibration set of its own (a few reviewed windows): the base's threshold stands, and the card says so.
    if "uncertainBelow" in base_card:
        c["uncertainBelow"] = base_card["uncertainBelow"]
        c["calibration"] = {"inheritedFrom": f"{base_card['name']} {base_card.get('version')}"}
    c["terms"] = (f"Fine-tuned from {base_card['name']} {base_card.get('version')} ({base_card.get('license')}) "
                  "on data reviewed in this portal.")
    c["license"] = base_card.get("license", c["license"])
    c["base"] = {"name": base_card["name"], "version": base_card.get("version")}
    c["trainingData"] = {"format": FORMAT, "tracks": rs.tracks, "windows": len(rs.windows)}
    return c


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--base", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--version", required=True)
    ap.add_argument("--encoder")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--min-windows", type=int, default=20)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--validation-fraction", type=float, default=0.2)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--resume", action="store_true")
    args = ap.parse_args(argv)
    args.parent = die_with_starter()
    # Cancel: the product sends SIGTERM and SIGKILL 5 s later. SystemExit raised from the handler unwinds at the
    # next Python bytecode, i.e. between two small tensor operations: well within a second.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    torch.set_num_threads(args.threads)
    try:
        if args.epochs < 1 or not 0 <= args.validation_fraction < 1 or args.min_windows < 1:
            raise ValueError("--epochs and --min-windows must be at least 1, --validation-fraction in [0, 1)")
        return run(args)
    except (OSError, ValueError, KeyError, json.JSONDecodeError) as e:
        emit("error", message=f"{type(e).__name__}: {e}")
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
