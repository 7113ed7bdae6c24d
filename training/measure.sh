#!/usr/bin/env bash
# Every figure of docs/benchmarks.md#action-recognition, from the committed models (models/actions/) and the
# training runs (training/runs/NAME/model.pt). Run from the repository root after `dotnet build -c Release`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
cli="dotnet src/Portal.Cli/bin/Release/net10.0/portal-cli.dll"
echo "## machine"; lscpu | grep -E "Model name|^CPU\(s\)"; uptime
echo "## C# ONNX Runtime evaluation (./portal evaluate)"
for spec in "nw-ucla 3d" "msr-action3d 3d" "nw-ucla coco2d" "msr-action3d coco2d" "penn-action coco2d"; do
  set -- $spec
  echo "evaluate --dataset $1 --variant $2: $($cli evaluate --dataset "$1" --variant "$2" 2>/dev/null)"
done
cd training
echo "## COCO-2D model through random virtual cameras with pose-estimator noise (PyTorch)"
/usr/bin/python3 -m portal_actions.evaluate runs/actions-coco2d/model.pt --noisy-cameras 1 2>/dev/null
echo "## calibrated uncertain thresholds (written to the cards at export)"
for n in actions-coco2d actions-nwucla-3d actions-msr-3d; do
  echo "$n: $(/usr/bin/python3 -m portal_actions.calibration "runs/$n/model.pt" 2>/dev/null | tr -d '\n ' | cut -c1-160)"
done
echo "## attention sanity (most attended part = most moving part)"
for spec in "actions-nwucla-3d nw-ucla" "actions-msr-3d msr-action3d" "actions-coco2d nw-ucla"; do
  set -- $spec
  for mode in rollout pooling; do
    echo "$1 $mode: $(/usr/bin/python3 -m portal_actions.attention_report "runs/$1/model.pt" --dataset "$2" --joint-attention $mode 2>/dev/null | tail -1)"
  done
  echo "$1 untrained control: $(/usr/bin/python3 -m portal_actions.attention_report "runs/$1/model.pt" --dataset "$2" --control 2>/dev/null | tail -1)"
done
echo "## parameters and FLOPs"
for n in actions-nwucla-3d actions-msr-3d actions-coco2d; do /usr/bin/python3 -m portal_actions.flops "runs/$n/model.pt" 2>/dev/null; done
ls -l ../models/actions/*.onnx
cd ..
echo "## ONNX Runtime CPU latency"
for n in actions-coco2d actions-nwucla-3d; do
  $cli actions-bench --model "$n" --threads 1 --seconds 5
done
$cli actions-bench --model actions-coco2d --threads 2 --seconds 5
uptime
