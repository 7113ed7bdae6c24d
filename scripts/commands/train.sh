# help:   train --config training/configs/NAME.yaml [--out DIR] [--epochs N] [--limit N] [--publish]
# help:                      train a skeleton action model (CPU, PyTorch from Debian), evaluate it and export
# help:                      ONNX + model card to DIR (default training/runs/NAME); --publish also copies
# help:                      them to models/actions/ and the parity fixtures to the C# tests

cmd_train() {
  local publish=0 out="" config="" extra=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --publish) publish=1; shift ;;
      --out) out="$2"; shift 2 ;;
      --config) config="$2"; shift 2 ;;
      --epochs|--limit|--threads) extra+=("$1" "$2"); shift 2 ;;
      *) die "train: unknown argument '$1'" ;;
    esac
  done
  [ -n "$config" ] || die "train: --config training/configs/NAME.yaml is required."
  [ -f "$config" ] || die "train: no config at '$config' (see training/configs/)."
  bash "$ROOT/training/install.sh" || die "train: the Python packages are missing; see above."
  config="$(cd "$(dirname "$config")" && pwd)/$(basename "$config")"
  local name
  name="$(sed -n 's/^name: *//p' "$config")"
  if [ -z "$out" ]; then out="$ROOT/training/runs/$name"; fi
  mkdir -p "$out"
  out="$(cd "$out" && pwd)"
  (cd "$ROOT/training" && /usr/bin/python3 -m portal_actions.train --config "$config" --out "$out" "${extra[@]}") ||
    die "train: training failed; see above."
  if [ "$publish" = 1 ]; then
    (cd "$ROOT/training" && /usr/bin/python3 -m portal_actions.export --checkpoint "$out/model.pt" --publish) ||
      die "train: publishing failed."
    log "portal: published models/actions/$name.onnx and its card"
  fi
}
