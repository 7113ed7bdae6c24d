# help:   evaluate --dataset nw-ucla|msr-action3d|penn-action [--variant 3d|coco2d] [--model NAME]
# help:                      top-1 of the committed action model on the dataset's standard test split (Penn Action:
# help:                      the validation split drawn from its training files)
# help:                      (C# + ONNX Runtime); ends with `top1=0.xxxx n=NNN`

cmd_evaluate() {
  build_solution
  dotnet "$(build_output Portal.Cli)/portal-cli.dll" evaluate "$@"
}
