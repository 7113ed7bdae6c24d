#!/usr/bin/env bash
# The GPU build (issue 13): `-p:PortalGpu=true` builds the worker and tools/Portal.Tools.GpuCheck into artifacts/gpu/
# without touching the CPU build, carries ONNX Runtime's CUDA provider library, and, on this machine (no GPU), a worker
# of that build asked for CUDA runs on the CPU with one warning and says "CPU (CUDA unavailable: ...)"
# (docs/deploy.md, "GPU workers"). The GPU-check program then runs its comparisons with both sides on the CPU, so
# scripts/gpu-check.sh finds it working on the first GPU machine.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"
config="$BUILD_CONFIGURATION"
gpu_bin="$ROOT/artifacts/gpu/bin"
native="$gpu_bin/Portal.Jobs/$config/net10.0/runtimes/linux-x64/native"
fail() { echo "GPU build: FAILED: $*"; exit 1; }

# The CPU build's outputs and restore state, to see that the GPU build leaves them as they were.
cpu_state() {
  find "$ROOT"/src/*/bin "$ROOT"/src/*/obj -type f \( -name '*.dll' -o -name '*.so' -o -name project.assets.json \) \
    -printf '%p %s %T@\n' 2>/dev/null | sort | sha256sum
}
before="$(cpu_state)"
for project in src/Portal.Jobs tools/Portal.Tools.GpuCheck; do
  dotnet build "$ROOT/$project" -c "$config" -p:PortalGpu=true -v quiet -nologo -clp:NoSummary >&2 ||
    fail "dotnet build $project -p:PortalGpu=true"
done
[ "$(cpu_state)" = "$before" ] || fail "the GPU build changed files of the CPU build under src/*/bin or src/*/obj"
[ -f "$native/libonnxruntime_providers_cuda.so" ] || fail "no libonnxruntime_providers_cuda.so in $native"
if find "$ROOT"/src/*/bin -name libonnxruntime_providers_cuda.so 2>/dev/null | grep -q .; then
  fail "the CPU build carries the CUDA provider library"
fi
echo "passed GPU build into artifacts/gpu with $(basename "$native/libonnxruntime_providers_cuda.so"), CPU build untouched"

# A worker of the GPU build asked for CUDA on a machine without a usable CUDA device.
work="$(mktemp -d /tmp/portal-gpu-build.XXXXXX)"
chmod 755 "$work"
worker_pid=""
# shellcheck disable=SC2317  # called by the trap
cleanup() {
  if [ -n "$worker_pid" ]; then kill -TERM "$worker_pid" 2>/dev/null || true; wait "$worker_pid" 2>/dev/null || true; fi
  pg_stop "$work/postgres" || true
  rm -rf "$work"
}
trap cleanup EXIT
pg_start "$work/postgres"
ConnectionStrings__Portal="$(pg_connection_string "$work/postgres" portal)" Portal__Media__Root="$work/media" \
  Portal__Pipeline__ModelsRoot="$ROOT/models" Portal__Inference__ExecutionProvider=Cuda Portal__Worker__Queues__0=inference \
  dotnet "$gpu_bin/Portal.Jobs/$config/net10.0/Portal.Jobs.dll" >"$work/worker.log" 2>&1 &
worker_pid=$!
for _ in $(seq 1 240); do
  grep -q "Inference runs on" "$work/worker.log" && break
  kill -0 "$worker_pid" 2>/dev/null || { cat "$work/worker.log"; fail "the GPU worker exited at start"; }
  sleep 0.5
done
kill -TERM "$worker_pid"
wait "$worker_pid" || true
worker_pid=""
grep -q "Inference runs on CPU (CUDA unavailable: .*)" "$work/worker.log" ||
  { cat "$work/worker.log"; fail "the worker does not say 'Inference runs on CPU (CUDA unavailable: reason)'"; }
[ "$(grep -c "CUDA was requested" "$work/worker.log")" = 1 ] ||
  { cat "$work/worker.log"; fail "the worker should warn exactly once that CUDA was requested but cannot be used"; }
echo "passed GPU worker without a GPU: $(grep -o "Inference runs on .*" "$work/worker.log")"

# The comparison program of scripts/gpu-check.sh, both sides on the CPU here: it must run and find no difference.
dotnet "$gpu_bin/Portal.Tools.GpuCheck/$config/net10.0/portal-gpu-check.dll" --models "$ROOT/models" \
  --video "$ROOT/../shared/data/video/tfjs_pose_1.mp4" --frames 8 --allow-cpu >"$work/check.log" 2>&1 ||
  { cat "$work/check.log"; fail "portal-gpu-check --allow-cpu failed"; }
[ "$(grep -c '^parity .* ok$' "$work/check.log")" = 4 ] || { cat "$work/check.log"; fail "portal-gpu-check did not compare all four models"; }
[ "$(grep -c '^throughput ' "$work/check.log")" = 24 ] || { cat "$work/check.log"; fail "portal-gpu-check did not time every model at batch 1, 8 and 32"; }
echo "passed portal-gpu-check on the CPU: 4 comparisons, 24 throughput lines"
echo "GPU build: all checks passed"
