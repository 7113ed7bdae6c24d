#!/usr/bin/env bash
# Installs what training/ needs from Debian (PyPI is not reachable here): PyTorch 1.13 (CPU), ONNX, PyYAML,
# NumPy, SciPy (to read Penn Action's MATLAB files) and pytest for /usr/bin/python3. Safe to run again; installs
# only what is missing.
set -euo pipefail
need=()
for spec in torch:python3-torch onnx:python3-onnx yaml:python3-yaml pytest:python3-pytest numpy:python3-numpy scipy:python3-scipy; do
  mod="${spec%%:*}"; pkg="${spec#*:}"
  /usr/bin/python3 -c "import $mod" >/dev/null 2>&1 || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "training needs ${need[*]}: run 'sudo apt-get install -y ${need[*]}' and try again." >&2
  exit 1
fi
echo "installing ${need[*]} with apt-get" >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 || {
  apt-get update -qq >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
}
