"""A stand-in for training/portal_actions/finetune.py in TrainingJobTests: speaks the contract (counts, refused,
epoch, done lines; checkpoint; --resume) without PyTorch. It 'trains' by copying the base ONNX and writing a card
whose first labels are the reviewed set's, so the registered version is a runnable model with the new labels."""
import argparse
import json
import os
import shutil
import sys
import time


def emit(event, **fields):
    print(json.dumps({"event": event, **fields}), flush=True)


def main():
    ap = argparse.ArgumentParser()
    for name in ["--data", "--base", "--out", "--name", "--version", "--encoder", "--seed", "--threads", "--validation-fraction"]:
        ap.add_argument(name)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--min-windows", type=int, default=20)
    ap.add_argument("--resume", action="store_true")
    args = ap.parse_args()

    with open(os.path.join(args.data, "labels.json"), encoding="utf-8") as f:
        labels = json.load(f)
    # One 'window' per started second of labelled time: enough for the product's tests.
    counts = {label: 0 for label in labels["labels"]}
    for track in labels["tracks"]:
        assert os.path.exists(os.path.join(args.data, track["file"])), track["file"]
        for s in track["segments"]:
            counts[s["label"]] += max(1, int(s["end"] - s["start"] + 0.999))
    emit("counts", labels=counts, minWindows=args.min_windows)
    short = {k: {"windows": v, "needed": args.min_windows} for k, v in counts.items() if v < args.min_windows}
    if short:
        emit("refused", labels=short)
        return 3

    # As the real trainer: the checkpoint before the line, the lines so far kept in it and said again on --resume,
    # and no running on once the process that started it is gone.
    parent = os.getppid()
    checkpoint = os.path.join(args.out, "checkpoint.pt")
    first, lines = 1, []
    if args.resume and os.path.exists(checkpoint):
        with open(checkpoint, encoding="utf-8") as f:
            saved = json.load(f)
        first, lines = saved["epoch"] + 1, saved["lines"]
        for line in lines:
            emit("epoch", **line)
    for epoch in range(first, args.epochs + 1):
        time.sleep(0.3)
        if os.getppid() != parent:
            return 137
        # "trainer" (the stub's own field) tells the tests which process trained an epoch: a resumed run repeats the
        # earlier lines with the earlier process's id.
        lines.append({"epoch": epoch, "epochs": args.epochs, "loss": 1.0 / epoch, "trainAccuracy": 0.5, "validationAccuracy": 0.4, "seconds": 0.3,
                      "trainer": os.getpid()})
        with open(checkpoint + ".tmp", "w", encoding="utf-8") as f:
            json.dump({"epoch": epoch, "lines": lines}, f)
        os.replace(checkpoint + ".tmp", checkpoint)
        emit("epoch", **lines[-1])

    base_card_path = args.base[: -len(".onnx")] + ".card.json"
    with open(base_card_path, encoding="utf-8") as f:
        card = json.load(f)
    rest = [label for label in card["labels"] if label not in labels["labels"]]
    card["labels"] = (labels["labels"] + rest)[: len(card["labels"])]
    card.update(name=args.name, version=args.version, file=args.name + ".onnx",
                base={"name": card.get("name"), "version": card.get("version")},
                trainingData={"format": labels["format"], "tracks": len(labels["tracks"]), "windows": sum(counts.values())})
    onnx = os.path.join(args.out, args.name + ".onnx")
    card_path = os.path.join(args.out, args.name + ".card.json")
    shutil.copyfile(args.base, onnx + ".tmp")
    with open(card_path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(card, f)
    os.replace(onnx + ".tmp", onnx)
    os.replace(card_path + ".tmp", card_path)
    emit("done", onnx=onnx, card=card_path, metrics={"validationAccuracy": 0.4, "windows": sum(counts.values()), "epochs": args.epochs, "seconds": 0.3 * args.epochs})
    return 0


if __name__ == "__main__":
    sys.exit(main())
