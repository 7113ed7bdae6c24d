#!/usr/bin/env bash
# docker/ without a Docker engine (issue 13): docker/compose.yaml passes Compose's own schema check
# (`docker compose config`, or Debian's docker-compose where the plugin is missing) and holds what docs/deploy.md
# promises; docker/Dockerfile has the targets compose builds, runs the README's commands, and its GPU base image
# carries the CUDA major version that ONNX Runtime's CUDA provider library is linked against.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"
compose_file="$ROOT/docker/compose.yaml"
dockerfile="$ROOT/docker/Dockerfile"
fail() { echo "docker: FAILED: $*"; exit 1; }

if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
else
  if ! command -v docker-compose >/dev/null 2>&1; then
    # Compose's schema check only: Debian's docker-compose without the engine it recommends.
    is_root || die "the compose check needs 'docker compose' or docker-compose: run 'sudo apt-get install -y --no-install-recommends docker-compose'."
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null 2>&1 || true; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose >/dev/null; }
  fi
  compose=(docker-compose)
fi
echo "checking docker/compose.yaml with: ${compose[*]} ($("${compose[@]}" version 2>/dev/null | head -n1))"

resolved="$(mktemp /tmp/portal-compose.XXXXXX)"
trap 'rm -f "$resolved"' EXIT
PORTAL_DB_PASSWORD=test-password PORTAL_CPU_WORKERS=3 "${compose[@]}" -f "$compose_file" --profile gpu --profile training config >"$resolved" ||
  fail "docker/compose.yaml does not pass '${compose[*]} config'"
echo "passed compose schema check"
if out="$(env -u PORTAL_DB_PASSWORD "${compose[@]}" -f "$compose_file" config 2>&1)"; then
  fail "docker/compose.yaml resolves without PORTAL_DB_PASSWORD"
fi
grep -q "set PORTAL_DB_PASSWORD" <<<"$out" || fail "without PORTAL_DB_PASSWORD compose does not say to set it: $out"
echo "passed compose refuses to start without PORTAL_DB_PASSWORD"

# What the resolved file must hold (docs/deploy.md).
/usr/bin/python3 - "$resolved" "$compose_file" <<'PY'
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
raw = open(sys.argv[2]).read()
services = doc["services"]
problems = []
def need(ok, what):
    if not ok:
        problems.append(what)
need(set(services) == {"postgres", "web", "worker", "worker-gpu", "worker-training"}, f"services are {sorted(services)}")
need(set(doc.get("volumes", {})) == {"postgres", "media"}, "named volumes postgres and media")
need(any(v.startswith("postgres:/var/lib/postgresql/data") for v in services["postgres"]["volumes"]), "PostgreSQL data on the named volume")
need("pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"]), "PostgreSQL health check")
need("/health" in " ".join(services["web"]["healthcheck"]["test"]), "web health check on /health")
for name in ("web", "worker", "worker-gpu", "worker-training"):
    s = services[name]
    need(any(v.startswith("media:/media") for v in s.get("volumes", [])), f"{name} mounts the shared media volume")
    need("ConnectionStrings__Portal" in s.get("environment", {}), f"{name} gets its database from the environment")
    need(s.get("build", {}).get("dockerfile") == "docker/Dockerfile" and s["build"].get("target") == name, f"{name} builds target {name}")
for name in ("worker", "worker-gpu", "worker-training"):
    need(services[name].get("depends_on", {}).get("web", {}).get("condition") == "service_healthy",
         f"{name} starts only after the web host (the migrations' owner) is healthy")
need(services["web"]["depends_on"]["postgres"]["condition"] == "service_healthy", "web waits for a healthy PostgreSQL")
need(int(services["worker"]["deploy"]["replicas"]) == 3, "PORTAL_CPU_WORKERS sets the CPU workers' replicas")
gpu = services["worker-gpu"]
need(gpu.get("profiles") == ["gpu"], "the GPU worker is in the gpu profile only")
devices = gpu.get("deploy", {}).get("resources", {}).get("reservations", {}).get("devices", [])
need(any(d.get("driver") == "nvidia" and "gpu" in d.get("capabilities", []) for d in devices), "the GPU worker reserves an nvidia GPU")
need(gpu["environment"].get("Portal__Inference__ExecutionProvider") == "Cuda", "the GPU worker asks for CUDA")
training = services["worker-training"]
need(training.get("profiles") == ["training"], "the training worker is in the training profile only")
need(training["environment"].get("Portal__Worker__Queues__0") == "training" and "Portal__Worker__Queues__1" not in training["environment"],
     "the training worker serves the training queue only")
need("env_file" not in raw and "configs:" not in raw, "configuration by environment variables only")
if problems:
    sys.exit("compose.yaml: " + "; ".join(problems))
print("passed compose services, volumes, health checks, replicas, the GPU and the training profiles")
PY

# The Dockerfile: the targets compose builds, the README's commands, the CUDA major of the provider library.
for target in web worker worker-gpu worker-training; do
  grep -qE "^FROM .* AS $target\$" "$dockerfile" || fail "docker/Dockerfile has no target $target"
  grep -qF "docker build -f docker/Dockerfile --target $target -t portal-$target ." "$ROOT/README.md" ||
    fail "the README does not give the build command of target $target"
done
# What the learning loop runs in the images: the web host's window counter and the training worker's trainer.
grep -qF "COPY --from=build /src/training/portal_actions /app/training/portal_actions" "$dockerfile" ||
  fail "the web image lacks training/portal_actions (the /train page counts windows with portal_actions.counts)"
for package in python3-torch python3-onnx python3-scipy; do
  grep -qF "$package" "$ROOT/training/install.sh" || fail "training/install.sh no longer installs $package: the worker-training image should follow it"
  sed -n '/AS worker-training$/,/^FROM /p' "$dockerfile" | grep -qF "$package" || fail "the worker-training image does not install $package"
done
grep -q '^RUN \./portal models$' "$dockerfile" || fail "the image does not make its models with ./portal models, as a clone does"
grep -q -- "-c $BUILD_CONFIGURATION " "$dockerfile" || fail "the image does not build the $BUILD_CONFIGURATION configuration ./portal builds"
for ignored in .data '**/bin' '**/obj' '**/node_modules'; do
  grep -qxF "$ignored" "$ROOT/docker/Dockerfile.dockerignore" || fail "docker/Dockerfile.dockerignore lets $ignored into the build context"
done
version="$(sed -n 's/.*"Microsoft.ML.OnnxRuntime.Gpu.Linux" Version="\([^"]*\)".*/\1/p' "$ROOT/Directory.Packages.props")"
provider="$(find "${NUGET_PACKAGES:-$HOME/.nuget/packages}/microsoft.ml.onnxruntime.gpu.linux/$version" "$ROOT/artifacts/gpu/bin" \
  -name libonnxruntime_providers_cuda.so 2>/dev/null | head -n1 || true)"  # find fails on a folder not made yet
[ -n "$provider" ] || fail "libonnxruntime_providers_cuda.so of Microsoft.ML.OnnxRuntime.Gpu.Linux $version not found (50-gpu-build.sh restores it)"
cuda_major="$(readelf -d "$provider" | sed -n 's/.*Shared library: \[libcudart\.so\.\([0-9]*\)\].*/\1/p')"
[ -n "$cuda_major" ] || fail "cannot read which libcudart $provider needs"
grep -qE "^FROM nvidia/cuda:$cuda_major\.[0-9.]+-cudnn-runtime-[a-z0-9.]+ AS worker-gpu\$" "$dockerfile" ||
  fail "ONNX Runtime $version's CUDA provider needs libcudart.so.$cuda_major: the worker-gpu base image must be nvidia/cuda:$cuda_major.x-cudnn-runtime-*"
echo "passed Dockerfile targets, README commands, and a CUDA $cuda_major + cuDNN base for ONNX Runtime $version"
echo "docker: all checks passed"
