# help:   classify SKELETON.json [--model NAME] [--top K] [--json]
# help:                      action labels per 2 s window of each track of a skeleton file (docs/formats.md);
# help:                      default model actions-coco2d (models/actions/); --json prints the machine form

cmd_classify() {
  build_solution
  dotnet "$(build_output Portal.Cli)/portal-cli.dll" classify "$@"
}
