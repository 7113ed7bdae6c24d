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

from .experiment import evaluate, labels_for, load_split, train_input
from .export import export
from .model import build_model


def set_seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def pick_device(name: str) -> torch.device:
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda":
        # Small convolutions and matrix products: let cuDNN pick kernels once, and allow TF32 (training only;
        # the exported model is evaluated in float32 on the CPU).
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = True
    return torch.device(name)


def stream_config(cfg: dict, stream: dict) -> dict:
    """The config of one stream of an ensemble: the shared settings with the stream's own features."""
    out = {k: v for k, v in cfg.items() if k != "streams"}
    out["name"] = f"{cfg['name']}.{stream['name']}"
    out["model"] = {**cfg.get("model", {}), "features": list(stream["features"])}
    out["train"] = dict(cfg.get("train", {}))
    return out


def train_one(cfg: dict, out: Path, args: argparse.Namespace, device: torch.device,
              splits: tuple[list, list] | None = None) -> dict:
    """Trains one model (one stream); writes out/model.pt, metrics.json, predictions.json, log.txt, state.pt.
    Returns the config as trained (train.epochs is the number of epochs actually run). splits: (train, evaluation)
    instead of the config's train and test splits (the ablation trains on part of the training split and
    evaluates on the rest)."""
    tcfg = cfg["train"]
    limit = args.limit or cfg.get("limit")
    out.mkdir(parents=True, exist_ok=True)
    log_file = (out / "log.txt").open("a" if args.resume else "w")

    def log(msg: str) -> None:
        line = f"{time.strftime('%H:%M:%S')} {msg}"
        print(f"[{cfg['name']}] {line}", flush=True)
        log_file.write(line + "\n")
        log_file.flush()

    set_seed(cfg.get("seed", 0))
    rng = np.random.default_rng(cfg.get("seed", 0))
    labels = labels_for(cfg)
    train = load_split(cfg, "train", limit) if splits is None else splits[0]
    # train.repeat {dataset: k}: each training sample of that dataset k times per epoch (a small dataset in a union).
    train = [item for item in train for _ in range(tcfg.get("repeat", {}).get(item[0], 1))]
    test = load_split(cfg, "test", limit) if splits is None else splits[1]
    log(f"{len(train)} train (with repeats), {len(test)} test samples, {len(labels)} labels, device {device}")
    model = build_model(cfg, cfg["layout"], len(labels)).to(device)
    log(f"model: {sum(p.numel() for p in model.parameters())} parameters, features {cfg['model'].get('features')}")

    bs = tcfg.get("batch", 32)
    plan = {"epochs": tcfg.get("epochs", 60)}  # may shrink once under --time-budget, before the cosine phase
    steps_per_epoch = max(1, len(train) // bs)
    warm = tcfg.get("warmup_epochs", 3) * steps_per_epoch

    def lr_factor(step: int) -> float:
        total = plan["epochs"] * steps_per_epoch
        return (step + 1) / warm if step < warm else 0.5 * (1 + np.cos(np.pi * (step - warm) / max(1, total - warm)))

    opt = torch.optim.SGD(model.parameters(), lr=tcfg.get("lr", 0.1), momentum=0.9, nesterov=True,
                          weight_decay=tcfg.get("weight_decay", 4e-4))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_factor)
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=tcfg.get("label_smoothing", 0.1))
    ys = np.array([y for _, _, y in train])
    eval_every = tcfg.get("eval_every", 5)
    first_epoch = 0
    state_path = out / "state.pt"
    if args.resume and state_path.exists():
        state = torch.load(state_path, map_location=device, weights_only=False)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        rng.bit_generator.state = state["rng"]
        torch.set_rng_state(state["torch_rng"])
        first_epoch, plan["epochs"] = state["epoch"], state.get("epochs", plan["epochs"])
        log(f"resumed after epoch {first_epoch}")
    started = time.time()
    epoch = first_epoch
    while epoch < plan["epochs"]:
        model.train()
        order = rng.permutation(len(train))
        t0, total_loss, correct = time.time(), 0.0, 0
        for b in range(steps_per_epoch):
            idx = order[b * bs:(b + 1) * bs]
            x = torch.from_numpy(np.stack([train_input(cfg, train[i][1], rng) for i in idx])).to(device)
            y = torch.from_numpy(ys[idx]).to(device)
            # The attention outputs are not trained: skip computing them. With model.bottleneck the second output
            # is the latent its objective pulls towards the class-conditional prior.
            logits, latent, _ = model(x, attention=False)
            loss = loss_fn(logits, y)
            if latent is not None:
                loss = loss + model.bottleneck.loss(latent, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total_loss += float(loss) * len(idx)
            correct += int((logits.argmax(1) == y).sum())
        epoch += 1
        n = steps_per_epoch * bs
        msg = (f"epoch {epoch}/{plan['epochs']} loss {total_loss / n:.4f} train_acc {correct / n:.4f} "
               f"lr {sched.get_last_lr()[0]:.4f} {time.time() - t0:.1f}s")
        if epoch % eval_every == 0 or epoch == plan["epochs"]:
            r = evaluate(cfg, model, test)
            msg += " | " + " ".join(f"{ds} top1 {r[ds]['top1']:.4f} (n={r[ds]['n']})" for ds in cfg["datasets"])
            torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
                        "rng": rng.bit_generator.state, "torch_rng": torch.get_rng_state(), "epoch": epoch,
                        "epochs": plan["epochs"]}, state_path)
        log(msg)
        probe = max(3, tcfg.get("warmup_epochs", 3))
        if epoch == 1:
            paced_from = time.time()  # the first epoch pays for start-up (CUDA, cuDNN autotuning): not the pace
        # Only a run that started from epoch 1 fixes its epoch count: a resumed run keeps the count in state.pt (a
        # checkpoint is written at evaluations, after the warm-up), so its cosine schedule is the one it began.
        if args.time_budget and first_epoch == 0 and epoch == probe:
            # Fix the epoch count once, from the measured pace, while still in warm-up (the cosine phase then
            # runs to its end): the run fits a lease of accelerator time and stays one consistent schedule.
            per_epoch = (time.time() - paced_from) / (probe - 1) * 1.1  # evaluations every few epochs, slack
            fit = epoch + int((args.time_budget - (time.time() - started)) / per_epoch)
            if fit < plan["epochs"]:
                plan["epochs"] = max(fit, epoch + 1)
                log(f"time budget {args.time_budget:.0f}s: {per_epoch:.2f}s per epoch -> {plan['epochs']} epochs")
        if args.time_budget and time.time() - started > args.time_budget * 1.15 and epoch < plan["epochs"]:
            # The pace fell well behind the estimate: keep what was learnt rather than lose the run (the model
            # did not finish its schedule; the log and the card's epoch count say so).
            log(f"time budget exceeded: stopping after epoch {epoch} of {plan['epochs']}")
            plan["epochs"] = epoch
            break
    # The model that ships is the last epoch's: no test-set model selection.
    model = model.cpu()
    cfg = {**cfg, "train": {**tcfg, "epochs": plan["epochs"]}}
    torch.save({"config": cfg, "state_dict": model.state_dict(), "labels": labels}, out / "model.pt")
    result = evaluate(cfg, model, test)
    metrics = {ds: result[ds] for ds in cfg["datasets"]}
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2))
    (out / "predictions.json").write_text(json.dumps(result["predictions"], indent=0, sort_keys=True))
    log(f"final (last epoch {plan['epochs']}): {json.dumps(metrics)}")
    return cfg


def combine_streams(cfg: dict, out: Path, limit: int | None) -> None:
    """Loads every stream's last-epoch weights into one StreamEnsemble, evaluates it, writes out/model.pt."""
    labels = labels_for(cfg)
    model = build_model(cfg, cfg["layout"], len(labels))
    streams = []
    for member, s in zip(model.streams, cfg["streams"]):
        ckpt = torch.load(out / "streams" / s["name"] / "model.pt", map_location="cpu", weights_only=False)
        member.load_state_dict(ckpt["state_dict"])
        metrics = json.loads((out / "streams" / s["name"] / "metrics.json").read_text())
        streams.append({**s, "epochs": ckpt["config"]["train"]["epochs"],
                        "top1": {ds: round(m["top1"], 4) for ds, m in metrics.items()}})
    cfg = {**cfg, "streams": streams}
    model.eval()
    torch.save({"config": cfg, "state_dict": model.state_dict(), "labels": labels}, out / "model.pt")
    result = evaluate(cfg, model, load_split(cfg, "test", limit))
    metrics = {ds: result[ds] for ds in cfg["datasets"]}
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2))
    (out / "predictions.json").write_text(json.dumps(result["predictions"], indent=0, sort_keys=True))
    print(f"[{cfg['name']}] ensemble of {[s['name'] for s in streams]}: {json.dumps(metrics)}", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True)
    ap.add_argument("--out")
    ap.add_argument("--epochs", type=int)
    ap.add_argument("--limit", type=int, help="use at most N samples per dataset and split (smoke runs)")
    ap.add_argument("--threads", type=int)
    ap.add_argument("--resume", action="store_true", help="continue from DIR/state.pt (written at every evaluation)")
    ap.add_argument("--device", default="auto", help="cpu, cuda or auto (cuda when available)")
    ap.add_argument("--stream", help="train only this stream of an ensemble config (one process per stream)")
    ap.add_argument("--time-budget", type=float, metavar="SECONDS",
                    help="fewer epochs than the config's if the measured pace needs it to finish in time; "
                         "with --resume, the seconds left (the run stops if it overruns them by 15%%)")
    ap.add_argument("--no-export", action="store_true")
    args = ap.parse_args(argv)

    cfg = yaml.safe_load(Path(args.config).read_text())
    cfg["train"] = dict(cfg.get("train", {}))
    if args.epochs:
        cfg["train"]["epochs"] = args.epochs
    limit = args.limit or cfg.get("limit")
    torch.set_num_threads(args.threads or cfg["train"].get("threads", 1))
    device = pick_device(args.device)
    out = Path(args.out or Path(__file__).resolve().parents[1] / "runs" / cfg["name"])
    if cfg.get("streams"):
        known = [s["name"] for s in cfg["streams"]]
        if args.stream and args.stream not in known:
            raise SystemExit(f"no stream {args.stream!r} in {args.config}; streams: {', '.join(known)}")
        for s in cfg["streams"]:
            done = (out / "streams" / s["name"] / "model.pt").exists()
            # --stream NAME (re)trains that stream; without it, train the streams not trained yet (e.g. on a GPU).
            if args.stream == s["name"] or (args.stream is None and not done):
                train_one(stream_config(cfg, s), out / "streams" / s["name"], args, device)
        if args.stream:
            return 0
        combine_streams(cfg, out, limit)
    else:
        train_one(cfg, out, args, device)
    if not args.no_export:
        export(out / "model.pt", out, limit=limit)
        print(f"exported to {out}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
