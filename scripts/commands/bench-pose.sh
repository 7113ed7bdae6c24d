# help:   bench-pose [VIDEO] [--frames N] [--threads N] [--repeat N]
# help:                      frames/s of each pose model at batch 1 and 8 and of top-down (RTMDet-nano + Thunder) next
# help:                      to ffmpeg's decode-only speed, then the floor: MultiPose float32 against its int8 graph
# help:                      (and the ratio) and tfjs-models' MultiPose on TensorFlow.js wasm over the same frames,
# help:                      and the action model's top-1 on int8 against float32 poses on each shared clip, next to
# help:                      float32 on the same clip re-encoded (x264 CRF 23) as the yardstick
# help:                      (default clip ../shared/data/video/tfjs_pose_1.mp4)

cmd_bench_pose() {
  require_system_packages ffmpeg:ffmpeg
  build_solution
  run_command_if_present models
  local video="$ROOT/../shared/data/video/tfjs_pose_1.mp4"
  if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then video="$1"; shift; fi
  local detector="$ROOT/../shared/data/models/rtmdet-nano_person_end2end.onnx"
  local extra=()
  [ -f "$detector" ] && extra=(--detector "$detector")
  # tfjs-models and the wasm backend from the npm registry (pinned in tools/tfjs-bench/package-lock.json); the
  # graph is the one ./portal models converts from.
  # shellcheck source=models.sh
  source "$ROOT/scripts/commands/models.sh" # pose_source_dir: where ./portal models keeps the original graphs
  local bench="$ROOT/tools/tfjs-bench" graph
  graph="$(pose_source_dir)/models/movenet-multipose.json"
  if command -v node >/dev/null && command -v npm >/dev/null && (cd "$bench" && npm ci --no-audit --no-fund --silent >&2); then
    extra+=(--tfjs "$bench/bench.mjs" "$graph")
  else
    log "portal: node/npm missing or npm ci in tools/tfjs-bench failed; bench-pose runs without the TensorFlow.js row"
  fi
  # The action model's top-1 on int8 against float32 poses, on every shared clip there is.
  local clips=()
  mapfile -t clips < <(find "$ROOT/../shared/data/video" -maxdepth 1 -type f \( -name '*.mp4' -o -name '*.avi' -o -name '*.gif' \) 2>/dev/null | LC_ALL=C sort)
  [ ${#clips[@]} -gt 0 ] && extra+=(--actions "${clips[@]}")
  dotnet "$(build_output Portal.Cli)/portal-cli.dll" bench-pose "$video" --models "$ROOT/models" "${extra[@]}" "$@"
}
