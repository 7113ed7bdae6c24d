# help:   bench-pose [VIDEO] [--frames N] [--threads N] [--repeat N]
# help:                      frames/s of each pose model at batch 1 and 8 and of top-down (RTMDet-nano + Thunder) next
# help:                      to ffmpeg's decode-only speed (default clip ../shared/data/video/tfjs_pose_1.mp4)

cmd_bench_pose() {
  require_system_packages ffmpeg:ffmpeg
  build_solution
  run_command_if_present models
  local video="$ROOT/../shared/data/video/tfjs_pose_1.mp4"
  if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then video="$1"; shift; fi
  local detector="$ROOT/../shared/data/models/rtmdet-nano_person_end2end.onnx"
  local extra=()
  [ -f "$detector" ] && extra=(--detector "$detector")
  dotnet "$(build_output Portal.Cli)/portal-cli.dll" bench-pose "$video" --models "$ROOT/models" "${extra[@]}" "$@"
}
