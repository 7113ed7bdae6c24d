#!/usr/bin/env bash
# Every figure of docs/benchmarks.md#action-recognition, from the committed models (models/actions/) and the
# training runs (training/runs/NAME/model.pt). Run from the repository root after `dotnet build -c Release`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
cli="dotnet src/Portal.Cli/bin/Release/net10.0/portal-cli.dll"
echo "## machine"; lscpu | grep -E "Model name|^CPU\(s\)"; uptime
echo "## C# ONNX Runtime evaluation (./portal evaluate)"
for spec in "nw-ucla 3d" "msr-action3d 3d" "nw-ucla coco2d" "msr-action3d coco2d"; do
  set -- $spec
  echo "evaluate --dataset $1 --variant $2: $($cli evaluate --dataset "$1" --variant "$2" 2>/dev/null)"
done
cd training
echo "## COCO-2D model through random virtual cameras with pose-estimator noise (PyTorch)"
/usr/bin/python3 -m portal_actions.evaluate runs/actions-coco2d/model.pt --noisy-cameras 1 2>/dev/null
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
