"""The ablation table of issue 14: each element of the NW-UCLA data recipe the field converged on (CTR-GCN's
feeder_ucla.py) and each of the seed papers' methods, switched one at a time against the config as it is, same
seeds, same epochs (docs/benchmarks.md, "Ablation").

`python3 -m portal_actions.ablation --config configs/actions-nwucla-3d.yaml [--stream joint] [--rows a,b]
    [--seeds 7,8] [--epochs 30] --json FILE`          (appends one row per run to FILE; a row already there is skipped)
`python3 -m portal_actions.ablation --report FILE.json ...`   (the table)

Every run trains on the training split less a validation part held out by recording (bench_labels.validation_split:
NW-UCLA's three views of one performance stay together) and is judged on that validation part; the test split's
top-1 of the same last-epoch model is printed beside it for information only, so what is adopted is never chosen
on the test split.
"""
from __future__ import annotations

import argparse
import copy
import json
import time
from pathlib import Path

import numpy as np
import torch
import yaml

from .bench_labels import validation_split
from .experiment import evaluate, load_checkpoint, load_split
from .train import stream_config, train_one

# name -> (what changes against the config, the config overrides that change it)
ROWS: dict[str, tuple[str, dict]] = {
    "baseline": ("the config as it is", {}),
    "no-label-smoothing": ("label smoothing 0.1 -> 0", {"train": {"label_smoothing": 0.0}}),
    "rotate-xy-60": ("rotation within ±60° about x and y, none about z (CTR-GCN), instead of yaw ±45°, pitch ±15°, "
                     "roll ±10°", {"augment": {"yaw": 60, "pitch": 60, "roll": 0}}),
    "random-resample": ("window frames drawn at random from the whole clip and sorted (CTR-GCN), instead of a random "
                        "50-100% crop resampled with jitter", {"augment": {"temporal": "resample"}}),
    "centre-first-spine": ("centred on the spine joint of the window's first frame (CTR-GCN), instead of the "
                           "window's mean hip centre", {"normalize": {"centre": "first-frame-spine"}}),
    "frequency-attention": ("FreqMixFormer's frequency-aware attention added (model.frequency_low 6 of 20 DCT "
                            "coefficients)", {"model": {"frequency_low": 6}}),
    "bottleneck": ("InfoGCN's information-bottleneck head and MMD objective instead of the linear classifier",
                   {"model": {"bottleneck": {}}}),
}


def merged(cfg: dict, overrides: dict) -> dict:
    """cfg with overrides applied key by key (nested dicts merged, other values replaced)."""
    out = copy.deepcopy(cfg)
    for key, value in overrides.items():
        if isinstance(value, dict) and value and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def run(cfg: dict, stream: str | None, row: str, seed: int, epochs: int, out: Path) -> dict:
    base = stream_config(cfg, next(s for s in cfg["streams"] if s["name"] == stream)) if stream else cfg
    rcfg = merged(base, ROWS[row][1])
    rcfg["seed"] = seed
    rcfg["train"]["epochs"] = epochs
    rcfg["train"]["eval_every"] = epochs  # one evaluation, at the end
    pool, val = validation_split(load_split(rcfg, "train"))
    args = argparse.Namespace(limit=None, resume=False, time_budget=None)
    started = time.time()
    train_one(rcfg, out, args, torch.device("cpu"), splits=(pool, val))
    seconds = time.time() - started
    on_val = json.loads((out / "metrics.json").read_text())  # train_one's final evaluation, on `val`
    model, trained, _ = load_checkpoint(out / "model.pt")  # the last epoch's weights
    on_test = evaluate(trained, model, load_split(trained, "test"))
    return {"row": row, "seed": seed, "epochs": epochs, "stream": stream, "val": pooled(on_val, rcfg["datasets"]),
            "test": pooled(on_test, rcfg["datasets"]), "seconds": round(seconds),
            "by_dataset": {ds: {"val": on_val[ds]["top1"], "test": on_test[ds]["top1"]} for ds in rcfg["datasets"]}}


def pooled(result: dict, datasets: list[str]) -> float:
    """Top-1 over every clip of the split, whatever its dataset (a union config has several)."""
    n = sum(result[ds]["n"] for ds in datasets)
    return sum(result[ds]["top1"] * result[ds]["n"] for ds in datasets) / max(1, n)


def report(rows: list[dict]) -> str:
    """Markdown: one line per ablation row, mean over seeds, the change in validation points against baseline."""
    by_row: dict[str, list[dict]] = {}
    for r in rows:
        by_row.setdefault(r["row"], []).append(r)
    base = np.mean([r["val"] for r in by_row.get("baseline", [])]) if "baseline" in by_row else None
    out = ["| row | what changes | validation top-1 | Δ validation (points) | test top-1 (information) | seeds | "
           "minutes per run |", "|---|---|---|---|---|---|---|"]
    for name in [n for n in ROWS if n in by_row]:
        rs = by_row[name]
        val, test = [100 * r["val"] for r in rs], [100 * r["test"] for r in rs]
        delta = "" if base is None or name == "baseline" else f"{np.mean(val) - 100 * base:+.1f}"
        out.append(f"| {name} | {ROWS[name][0]} | {np.mean(val):.1f} ({', '.join(f'{v:.1f}' for v in val)}) | "
                   f"{delta} | {np.mean(test):.1f} ({', '.join(f'{v:.1f}' for v in test)}) | "
                   f"{', '.join(str(r['seed']) for r in rs)} | {np.mean([r['seconds'] for r in rs]) / 60:.1f} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", default="configs/actions-nwucla-3d.yaml")
    ap.add_argument("--stream", help="one stream of an ensemble config (default: joint when it has streams)")
    ap.add_argument("--rows", default=",".join(ROWS))
    ap.add_argument("--seeds", default="7,8")
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--json", help="append the runs' rows to this file")
    ap.add_argument("--out", default="runs/ablation", help="the runs' directories")
    ap.add_argument("--report", nargs="+", metavar="JSON", help="only print the table of these files' rows")
    args = ap.parse_args(argv)
    if args.report:
        print(report([r for f in args.report for r in json.loads(Path(f).read_text())["rows"]]))
        return 0
    if not args.json:
        ap.error("--json FILE is needed to keep the rows")
    unknown = [r for r in args.rows.split(",") if r not in ROWS]
    if unknown:
        ap.error(f"unknown rows {unknown}; rows: {', '.join(ROWS)}")
    torch.set_num_threads(1)
    cfg = yaml.safe_load(Path(args.config).read_text())
    stream = args.stream or (cfg["streams"][0]["name"] if cfg.get("streams") else None)
    path = Path(args.json)
    doc = json.loads(path.read_text()) if path.exists() else {"config": args.config, "rows": []}
    for seed in [int(s) for s in args.seeds.split(",")]:
        for row in args.rows.split(","):
            if any(r["row"] == row and r["seed"] == seed and r["epochs"] == args.epochs for r in doc["rows"]):
                continue
            result = run(cfg, stream, row, seed, args.epochs, Path(args.out) / f"{row}-{seed}")
            doc["rows"].append(result)
            path.write_text(json.dumps(doc, indent=1))
            print(json.dumps(result), flush=True)
    print(report(doc["rows"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
