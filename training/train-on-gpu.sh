#!/usr/bin/env bash
# How the shipped action models were trained: every stream of every model in parallel on one GPU machine (one
# process per stream, one CPU thread each for augmentation, all sharing the GPU), each within a time budget
# (train.py --time-budget fixes the epoch count from the measured pace during warm-up). The streams come back in
# $OUT/runs.tgz; combining them into ensembles and exporting ONNX happens on the CPU machine with
#   python3 -m portal_actions.train --config configs/NAME.yaml --out runs/NAME   (skips the streams it finds)
# or, for a single-network model (actions-coco2d), python3 -m portal_actions.export --checkpoint runs/NAME/model.pt.
# Usage, from the repository root on the GPU machine: bash training/train-on-gpu.sh SKELETON_TGZ BUDGET_SECONDS
# SKELETON_TGZ holds skeleton/nw_ucla, skeleton/msr_action3d and skeleton/penn_action as in ../shared/data (the
# machine has no ../shared). actions-coco2d (3.0.0) is one network, not streams: it runs as one process.
set -u
py=${PORTAL_PYTHON:-python3}  # on the GPU image plain python3 holds PyTorch
data_tgz=$1 budget=$2 device=${PORTAL_TRAIN_DEVICE:-cuda}
out=${OUT:-/tmp/out}
mkdir -p /tmp/portal-data "$out" && tar -C /tmp/portal-data -xzf "$data_tgz" || exit 1
export PORTAL_SHARED_DATA=/tmp/portal-data PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null
"$py" -c "import torch, numpy; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), 'numpy', numpy.__version__)"
echo "cpus $(nproc); budget ${budget}s per stream; $(date -u +%T)"
cd "$(dirname "$0")"
runs=/tmp/portal-runs
mkdir -p "$runs"
for spec in actions-nwucla-3d:joint actions-nwucla-3d:bone actions-nwucla-3d:motion actions-nwucla-3d:bone-motion \
            actions-msr-3d:joint actions-msr-3d:bone actions-msr-3d:motion actions-msr-3d:bone-motion \
            actions-coco2d; do
  cfg=${spec%%:*} stream=${spec#*:}
  only=(--stream "$stream")
  [ "$spec" = "$cfg" ] && only=() && stream=all
  # The hard stop leaves 60 s beyond the budget for loading data, the last epochs and the final evaluation.
  timeout $((budget + 60)) "$py" -m portal_actions.train --config "configs/$cfg.yaml" --out "$runs/$cfg" \
    "${only[@]}" --device "$device" --time-budget "$budget" --no-export >"$runs/$cfg.$stream.out" 2>&1 &
done
wait
echo "done $(date -u +%T)"
for f in "$runs"/*.out; do echo "== $f"; grep -E "time budget|final|Error|error" "$f" | tail -3; done
tar -czf "$out/runs.tgz" -C "$runs" .
