"""What SkeletonMAE pretraining is worth when labels are few: top-1 after supervised training with 5%, 10%, 20% and
100% of the training labels, from scratch versus from the MAE-pretrained encoder (docs/benchmarks.md, "Pretraining
with few labels").

`python3 -m portal_actions.bench_labels [--configs configs/bench-nwucla-3d.yaml ...] [--eval val|test]
    [--fractions 0.05,0.1,0.2,1] [--seeds 7,8,9] [--epochs N] [--min-steps N] [--encoder-lr F] [--probe]
    [--pretrain-set KEY=VALUE ...] [--json FILE]`
`python3 -m portal_actions.bench_labels --report FILE.json ...`   (the table of rows already written)

The protocol:
- Validation: a fixed fifth of each config's training split (per dataset and class, seed VALIDATION_SEED) is held
  out by *recording*: NW-UCLA films each performance from three views at once, so the views of one performance
  (aAA_sSS_eEE) stay together; elsewhere one clip is one recording. Hyper-parameters are chosen with --eval val;
  the test split is read only with --eval test.
- Pool: the rest of the training split. The encoder is pretrained on every pool clip without its label (never on
  validation or test clips), once per config, and cached (--cache); pretrain.unlabelled_datasets adds every clip of
  datasets the config does not evaluate, without labels.
- Labelled subset of fraction f, seed s: ceil(f * recordings) recordings of each (dataset, class) of the pool, at
  least one; both arms get the same clips.
- Both arms train the same model for the same number of epochs over the labelled subset with the config's optimizer
  (SGD, Nesterov momentum, lr warm-up then cosine), but never fewer than --min-steps optimizer steps (5% of NW-UCLA
  is two batches an epoch). The MAE arm only: its encoder learns at --encoder-lr times the learning rate of the new
  head (pooling and classifier), as fine-tuning a pretrained network usually does, after --head-warmup steps in which
  only the head learns.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import re
import time
from pathlib import Path

import numpy as np
import torch
import yaml

from .data import load_dataset
from .experiment import evaluate, labels_for, load_split, require_layout, train_input
from .mae import encoder_state, pretrain
from .model import build_single

CONFIGS = ["configs/bench-nwucla-3d.yaml", "configs/bench-coco2d.yaml"]
VALIDATION_SEED, VALIDATION_SHARE = 2026, 0.2
HEAD_PREFIXES = ("pool_score.", "classifier.", "bottleneck.")


def recording(ds: str, sample_id: str) -> str:
    """The recording a clip belongs to: NW-UCLA's views of one performance are one recording."""
    return ds + "/" + (re.sub(r"_v\d+$", "", sample_id) if ds == "nw-ucla" else sample_id)


def _classes(train: list) -> dict[tuple[str, int], dict[str, list[int]]]:
    """(dataset, label) -> recording -> indices of its clips, in a fixed order."""
    out: dict[tuple[str, int], dict[str, list[int]]] = {}
    for i, (ds, s, y) in enumerate(train):
        out.setdefault((ds, y), {}).setdefault(recording(ds, s.id), []).append(i)
    return out


def validation_split(train: list, share: float = VALIDATION_SHARE, seed: int = VALIDATION_SEED) -> tuple[list, list]:
    """-> (pool, validation): round(share * recordings) recordings of each class (at least one, if the class has two)
    held out with all their clips."""
    rng = np.random.default_rng(seed)
    held: set[int] = set()
    for key, recs in sorted(_classes(train).items()):
        names = sorted(recs)
        k = min(len(names) - 1, max(1, round(share * len(names))))
        for r in rng.choice(names, size=k, replace=False) if k > 0 else []:
            held.update(recs[r])
    return ([c for i, c in enumerate(train) if i not in held], [c for i, c in enumerate(train) if i in held])


def label_subset(pool: list, fraction: float, seed: int) -> list:
    """ceil(fraction * recordings) recordings of each (dataset, label) class, with all their clips, drawn with a
    fixed seed."""
    rng = np.random.default_rng(seed)
    chosen: list[int] = []
    for key, recs in sorted(_classes(pool).items()):
        names = sorted(recs)
        for r in rng.choice(names, size=min(len(names), max(1, math.ceil(fraction * len(names)))), replace=False):
            chosen += recs[r]
    return [pool[i] for i in sorted(chosen)]


def steps_for(clips: int, epochs: float, batch: int, min_steps: int) -> int:
    return max(min_steps, math.ceil(epochs * clips / min(batch, clips)))


def optimizer(model: torch.nn.Module, lr: float, weight_decay: float, steps: int, encoder_lr: float = 1.0,
              head_warmup: int = 0) -> tuple[torch.optim.Optimizer, torch.optim.lr_scheduler.LambdaLR]:
    """SGD (Nesterov) with a linear warm-up over a tenth of the steps, then cosine to zero; the encoder (everything
    but the pooling and the classifier) at encoder_lr times the head's rate, and not at all in the first
    head_warmup steps."""
    head = [p for n, p in model.named_parameters() if n.startswith(HEAD_PREFIXES)]
    body = [p for n, p in model.named_parameters() if not n.startswith(HEAD_PREFIXES)]
    opt = torch.optim.SGD([{"params": body, "lr": lr * encoder_lr}, {"params": head, "lr": lr}], lr=lr,
                          momentum=0.9, nesterov=True, weight_decay=weight_decay)
    warm = max(1, steps // 10)

    def schedule(s: int) -> float:
        return (s + 1) / warm if s < warm else 0.5 * (1 + math.cos(math.pi * (s - warm) / max(1, steps - warm)))

    return opt, torch.optim.lr_scheduler.LambdaLR(opt, [lambda s: 0.0 if s < head_warmup else schedule(s), schedule])


def arm_rates(pretrained: bool, encoder_lr: float, head_warmup: int, probe: bool) -> tuple[float, int]:
    """(the encoder's rate over the head's, head-only steps) for an arm: a linear probe freezes every encoder, the
    from-scratch arm otherwise trains its encoder like the head, the pretrained one as asked."""
    if probe:
        return 0.0, 0
    return (encoder_lr, head_warmup) if pretrained else (1.0, 0)


def supervised(cfg: dict, train: list, evalset: list, epochs: float, min_steps: int, seed: int,
               encoder: dict | None, encoder_lr: float = 1.0, head_warmup: int = 0, probe: bool = False) -> tuple[float, int]:
    """-> (top-1 on evalset, optimizer steps). encoder_lr and head_warmup apply only when an encoder is given.
    probe: a linear probe of either arm's encoder, pretrained or as initialized: only the pooling and the classifier
    learn (the encoder's batch-norm statistics still follow the data, alike in both arms)."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    labels = labels_for(cfg)
    model = build_single(cfg, cfg["layout"], len(labels))
    t = cfg["train"]
    encoder_lr, head_warmup = arm_rates(encoder is not None, encoder_lr, head_warmup, probe)
    if encoder is not None:
        missing, unexpected = model.load_state_dict(encoder, strict=False)
        assert not unexpected and all(k.startswith(HEAD_PREFIXES) for k in missing)
    batch = min(t.get("batch", 32), len(train))
    steps = steps_for(len(train), epochs, batch, min_steps)
    opt, sched = optimizer(model, t.get("lr", 0.1), t.get("weight_decay", 4e-4), steps, encoder_lr, head_warmup)
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=t.get("label_smoothing", 0.1))
    ys = np.array([y for _, _, y in train])
    order, pos = rng.permutation(len(train)), 0
    model.train()
    for _ in range(steps):
        if pos + batch > len(order):
            order, pos = rng.permutation(len(train)), 0
        idx = order[pos:pos + batch]
        pos += batch
        x = torch.from_numpy(np.stack([train_input(cfg, train[i][1], rng) for i in idx]))
        loss = loss_fn(model(x, attention=False)[0], torch.from_numpy(ys[idx]))
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
    result = evaluate(cfg, model, evalset)
    n = sum(result[ds]["n"] for ds in cfg["datasets"])
    return sum(result[ds]["top1"] * result[ds]["n"] for ds in cfg["datasets"]) / n, steps


def pretrain_options(cfg: dict) -> dict:
    """The config's pretraining options beyond its schedule (the masks and the target), in a fixed order."""
    return {k: v for k, v in sorted(cfg.get("pretrain", {}).items()) if k not in ("epochs", "lr")}


def unlabelled_clips(cfg: dict, pool: list) -> list:
    """What the encoder is pretrained on: the pool's clips and, with pretrain.unlabelled_datasets, every clip of
    those datasets (both splits, labels unused). A dataset the config evaluates is refused: its test clips would
    then be seen in pretraining. A 3D model takes only 3D clips (experiment.require_layout: MSR Action3D's Kinect
    skeleton for NW-UCLA)."""
    extra = cfg.get("pretrain", {}).get("unlabelled_datasets", [])
    clips = [s for _, s, _ in pool]
    for name in extra:
        if name in cfg["datasets"]:
            raise ValueError(f"pretrain.unlabelled_datasets: {name} is one of the config's datasets (its "
                             "validation and test clips must not be pretrained on)")
        for split in ("train", "test"):
            samples, _ = load_dataset(name, split)
            for s in samples:
                require_layout(cfg, s)  # here rather than at the first batch of a long pretraining
            clips += samples
    return clips


def pretrained_encoder(cfg: dict, pool: list, epochs: int, lr: float, seed: int, cache: Path | None) -> dict:
    """The encoder pretrained on the pool's clips (labels unused), from the cache when it holds this one."""
    # Mask, target, augmentation and data options when the config sets any (a dict or list by a short digest of
    # its JSON).
    variant = "".join(f"-{k}{hashlib.sha256(json.dumps(v, sort_keys=True).encode()).hexdigest()[:8] if isinstance(v, (dict, list)) else v}"
                      for k, v in pretrain_options(cfg).items())
    key = f"{cfg['name']}-pool{len(pool)}-e{epochs}-lr{lr:g}-s{seed}{variant}.encoder.pt"
    if cache is not None and (cache / key).exists():
        print(f"[{cfg['name']}] encoder from {cache / key}", flush=True)
        return torch.load(cache / key)["state_dict"]
    t0 = time.time()
    clips = unlabelled_clips(cfg, pool)
    print(f"[{cfg['name']}] pretraining on {len(clips)} unlabelled clips", flush=True)
    model, losses = pretrain(cfg, clips, epochs, seed, lr=lr,
                             log=lambda m: print(f"[{cfg['name']}] {m}", flush=True))
    print(f"[{cfg['name']}] pretrained {epochs} epochs in {time.time() - t0:.0f}s, final loss {losses[-1]:.4f}",
          flush=True)
    state = encoder_state(model)
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
        torch.save({"state_dict": state, "losses": losses, "seconds": time.time() - t0}, cache / key)
    return state


def report(rows: list[dict]) -> str:
    """Markdown: one line per (config, eval, fraction), mean over seeds and the seeds' range."""
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        variant = "".join(f", {k} {v}" for k, v in sorted(r.get("pretrainOptions", {}).items()))
        how = f"{r['eval']}{', linear probe' if r.get('probe') else ''}, MAE {r['pretrainEpochs']} ep{variant}"
        groups.setdefault((r["config"], how, r["fraction"]), []).append(r)
    out = ["| model | eval | labels | labelled clips | steps | from scratch | MAE-pretrained | gain (points) | seeds |",
           "|---|---|---|---|---|---|---|---|---|"]

    def cell(vals: list[float]) -> str:
        v = 100 * np.array(vals)
        return f"{v.mean():.1f}" if len(v) == 1 else f"{v.mean():.1f} ({v.min():.1f}-{v.max():.1f})"

    for (config, ev, f), rs in groups.items():
        gains = [100 * (r["mae"] - r["scratch"]) for r in rs]
        gain = f"{np.mean(gains):+.1f}" + ("" if len(rs) == 1 else f" ({', '.join(f'{g:+.1f}' for g in gains)})")
        clips = "/".join(sorted({str(r["clips"]) for r in rs}))
        steps = "/".join(sorted({str(r["steps"]) for r in rs}))
        out.append(f"| {config} | {ev} | {f:.0%} | {clips} | {steps} | {cell([r['scratch'] for r in rs])} | "
                   f"{cell([r['mae'] for r in rs])} | {gain} | {', '.join(str(r['seed']) for r in rs)} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--configs", nargs="+", default=CONFIGS)
    ap.add_argument("--eval", choices=["val", "test"], default="val",
                    help="val: the held-out part of the training split (for choosing); test: the test split")
    ap.add_argument("--fractions", default="0.05,0.1,0.2,1")
    ap.add_argument("--seeds", default="7", help="comma-separated: label subset, initialization and batch order")
    ap.add_argument("--epochs", type=float, default=40, help="epochs over the labelled subset, both arms")
    ap.add_argument("--min-steps", type=int, default=150, help="at least this many optimizer steps, both arms")
    ap.add_argument("--lr", type=float, help="the supervised learning rate of both arms (default: the config's)")
    ap.add_argument("--encoder-lr", type=float, default=0.1, help="MAE arm: the encoder's lr over the head's")
    ap.add_argument("--head-warmup", type=int, default=0, help="MAE arm: steps in which only the head learns")
    ap.add_argument("--probe", action="store_true",
                    help="both arms: the encoder frozen (a linear probe of what pretraining learned; scratch = random)")
    ap.add_argument("--arms", default="scratch,mae")
    ap.add_argument("--pretrain-epochs", type=int, help="default: the config's pretrain.epochs (10 if none)")
    ap.add_argument("--pretrain-lr", type=float, help="default: the config's pretrain.lr (2e-3 if none)")
    ap.add_argument("--pretrain-seed", type=int, default=0)
    ap.add_argument("--pretrain-set", action="append", default=[], metavar="KEY=VALUE",
                    help="a pretraining option over the config's (frame_ratio, max_parts, target, augment, "
                         "unlabelled_datasets); repeatable")
    ap.add_argument("--cache", default="/tmp/portal-bench-labels", help="pretrained encoders ('' for none)")
    ap.add_argument("--limit", type=int, help="at most N clips per dataset and split (smoke runs)")
    ap.add_argument("--json", help="rows are appended to this file as each finishes")
    ap.add_argument("--report", nargs="+", metavar="JSON", help="only print the table of these files' rows")
    args = ap.parse_args(argv)
    if args.report:
        print(report([r for f in args.report for r in json.loads(Path(f).read_text())["rows"]]))
        return 0
    torch.set_num_threads(1)
    fractions = [float(f) for f in args.fractions.split(",")]
    seeds = [int(s) for s in args.seeds.split(",")]
    arms = args.arms.split(",")
    out = Path(args.json) if args.json else None
    rows = json.loads(out.read_text())["rows"] if out and out.exists() else []
    for path in args.configs:
        cfg = yaml.safe_load(Path(path).read_text())
        if args.lr:
            cfg["train"]["lr"] = args.lr
        for item in args.pretrain_set:
            key, _, value = item.partition("=")
            cfg.setdefault("pretrain", {})[key] = yaml.safe_load(value)
        t0 = time.time()
        pool, val = validation_split(load_split(cfg, "train", args.limit))
        evalset = val if args.eval == "val" else load_split(cfg, "test", args.limit)
        p = cfg.get("pretrain", {})
        pre_epochs = args.pretrain_epochs or p.get("epochs", 10)
        pre_lr = args.pretrain_lr or p.get("lr", 2e-3)
        encoder = (pretrained_encoder(cfg, pool, pre_epochs, pre_lr, args.pretrain_seed,
                                      Path(args.cache) if args.cache else None) if "mae" in arms else None)
        print(f"[{cfg['name']}] pool {len(pool)} clips, {args.eval} {len(evalset)} clips", flush=True)
        for f in fractions:
            for seed in seeds:
                subset = label_subset(pool, f, seed)
                row = {"config": cfg["name"], "eval": args.eval, "fraction": f, "seed": seed, "clips": len(subset),
                       "epochs": args.epochs, "minSteps": args.min_steps, "lr": cfg["train"].get("lr", 0.1),
                       "encoderLr": args.encoder_lr, "headWarmup": args.head_warmup, "pretrainEpochs": pre_epochs,
                       "pretrainLr": pre_lr, "pretrainSeed": args.pretrain_seed, "probe": args.probe,
                       "pretrainOptions": pretrain_options(cfg)}
                r0 = time.time()
                for arm in arms:
                    row[arm], row["steps"] = supervised(cfg, subset, evalset, args.epochs, args.min_steps, seed,
                                                        encoder if arm == "mae" else None, args.encoder_lr,
                                                        args.head_warmup, args.probe)
                row.update(seconds=round(time.time() - r0, 1), load=[round(x, 1) for x in os.getloadavg()],
                           finished=time.strftime("%H:%M:%S", time.gmtime()))
                rows.append(row)
                print(f"[{cfg['name']}] {args.eval} {f:.0%} seed {seed} ({len(subset)} clips, {row['steps']} steps): "
                      + " ".join(f"{a} {row[a]:.4f}" for a in arms)
                      + f" ({row['seconds']:.0f}s, total {time.time() - t0:.0f}s, load {row['load'][0]})", flush=True)
                if out:
                    out.write_text(json.dumps({"rows": rows}, indent=2) + "\n")
    if set(arms) == {"scratch", "mae"}:
        print("\n" + report(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
