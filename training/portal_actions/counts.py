"""Windows per label of a reviewed training set, without PyTorch: what the "Train a model" page shows before a
training starts, so that it refuses the same labels the trainer would (learning contract §2).

python3 -m portal_actions.counts --data DIR --card BASE.card.json [--min-windows K]

Prints the trainer's own first line, {"event": "counts", "labels": {...}, "minWindows": K}, and nothing else. It is
the one window rule: finetune.py calls label_counts too, and both cut windows with reviewed.load_reviewed.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .reviewed import ReviewedSet, load_reviewed


def label_counts(rs: ReviewedSet) -> dict[str, int]:
    """Labelled windows per label, in labels.json's order (a label with no window of its own counts 0)."""
    counts = {label: 0 for label in rs.labels}
    for w in rs.windows:
        counts[rs.labels[w.label]] += 1
    return counts


def card_window(card: dict) -> tuple[float, float]:
    """The (seconds, stride) of a model card's window, as the trainer and the ActionsJob cut them."""
    window = card["window"]
    return float(window["seconds"]), float(window.get("strideSeconds", 1.0))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--card", required=True)
    ap.add_argument("--min-windows", type=int, default=20)
    args = ap.parse_args(argv)
    try:
        seconds, stride = card_window(json.loads(Path(args.card).read_text(encoding="utf-8")))
        counts = label_counts(load_reviewed(args.data, seconds, stride))
    except (OSError, ValueError, KeyError, json.JSONDecodeError) as e:
        print(json.dumps({"event": "error", "message": f"{type(e).__name__}: {e}"}), flush=True)
        return 1
    print(json.dumps({"event": "counts", "labels": counts, "minWindows": args.min_windows}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
