#!/usr/bin/env bash
# The GPU check (issue 13), for a machine with an NVIDIA GPU, its driver (CUDA 13 capable: 580 or later), and the CUDA 13
# runtime, cuBLAS and cuDNN 9 libraries on the loader path (docs/deploy.md, "GPU workers"). From a clone:
#   bash scripts/gpu-check.sh [CLIP]        (default ../shared/data/video/one-by-one-person-detection.mp4, 139 s)
# 1. builds the GPU variant (-p:PortalGpu=true, into artifacts/gpu/);
# 2. runs every pose model and the action model on CUDA and on the CPU over the same frames and windows and fails when
#    their outputs differ by more than 1e-3 (keypoints: normalised coordinates and scores; actions: logits);
# 3. prints frames (windows) per second of each model at batch 1, 8 and 32 on both;
# 4. runs CLIP end to end through the portal with its jobs in a GPU worker (./portal bench-pipeline, BENCH_GPU_WORKER=1).
# Its figures go into docs/benchmarks.md, "GPU".
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"
clip="${1:-$ROOT/../shared/data/video/one-by-one-person-detection.mp4}"
[ -f "$clip" ] || die "gpu-check: clip not found: $clip"
command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L ||
  die "gpu-check: nvidia-smi finds no NVIDIA GPU here; run this on a machine with one (and its driver)."

require_system_packages ffmpeg:ffmpeg
build_solution
run_command_if_present models
for project in src/Portal.Jobs tools/Portal.Tools.GpuCheck; do
  dotnet build "$ROOT/$project" -c "$BUILD_CONFIGURATION" -p:PortalGpu=true -v quiet -nologo -clp:NoSummary >&2 ||
    die "gpu-check: the GPU build of $project failed; see the errors above."
done

log "gpu-check: CUDA against CPU, and throughput at batch 1, 8 and 32"
dotnet "$ROOT/artifacts/gpu/bin/Portal.Tools.GpuCheck/$BUILD_CONFIGURATION/net10.0/portal-gpu-check.dll" \
  --models "$ROOT/models" --video "$clip" --frames 256 --tolerance 1e-3

log "gpu-check: $(basename "$clip") end to end with a GPU worker"
BENCH_GPU_WORKER=1 "$ROOT/portal" bench-pipeline "$clip"
