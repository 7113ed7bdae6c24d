# help:   bench-pose [VIDEO] [--frames N] [--threads N]
# help:                      frames/s of each pose model at batch 1 and 8 next to ffmpeg's decode-only speed
# help:                      (default clip ../shared/data/video/tfjs_pose_1.mp4); record results in docs/benchmarks.md

cmd_bench_pose() {
  require_system_packages ffmpeg:ffmpeg
  build_solution
  run_command_if_present models
  local video="$ROOT/../shared/data/video/tfjs_pose_1.mp4"
  if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then video="$1"; shift; fi
  dotnet "$(build_output Portal.Cli)/portal-cli.dll" bench-pose "$video" --models "$ROOT/models" "$@"
}
