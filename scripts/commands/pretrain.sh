# help:   pretrain --config training/configs/NAME.yaml [--tracks DIR]... [--no-datasets] [--epochs N] [--out FILE]
# help:                      SkeletonMAE pretraining of the config's encoder on unlabelled skeletons (the config's
# help:                      datasets' training clips and/or folders of skeleton JSON, e.g. a dataset export);
# help:                      writes models/actions/NAME.encoder.pt + .encoder.json (the decoder is not kept)

cmd_pretrain() {
  local args=() config=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --config) config="$2"; shift 2 ;;
      --tracks) [ -d "$2" ] || die "pretrain: no folder '$2'"
        args+=("$1" "$(cd "$2" && pwd)"); shift 2 ;;
      --out) mkdir -p "$(dirname "$2")" || die "pretrain: cannot create the folder of '$2'"
        args+=("$1" "$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"); shift 2 ;;
      --epochs|--limit|--seed|--threads) args+=("$1" "$2"); shift 2 ;;
      --no-datasets) args+=("$1"); shift ;;
      *) die "pretrain: unknown argument '$1'" ;;
    esac
  done
  [ -n "$config" ] || die "pretrain: --config training/configs/NAME.yaml is required."
  [ -f "$config" ] || die "pretrain: no config at '$config' (see training/configs/)."
  bash "$ROOT/training/install.sh" || die "pretrain: the Python packages are missing; see above."
  config="$(cd "$(dirname "$config")" && pwd)/$(basename "$config")"
  (cd "$ROOT/training" && /usr/bin/python3 -m portal_actions.mae --config "$config" "${args[@]}") ||
    die "pretrain: failed; see above."
}
