# help:   pose VIDEO [--model movenet-lightning|movenet-thunder|movenet-multipose] [--fps N] --out FILE.json
# help:                      poses of every frame of VIDEO in Portal's skeleton JSON (docs/formats.md); also
# help:                      [--crop on|off] (single pose: zoom on the previous pose) [--detector RTMDET.onnx] (top-down)

cmd_pose() {
  require_system_packages ffmpeg:ffmpeg
  build_solution
  run_command_if_present models
  dotnet "$(build_output Portal.Cli)/portal-cli.dll" pose --models "$ROOT/models" "$@"
}
