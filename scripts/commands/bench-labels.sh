# help:   bench-labels [--eval val|test] [--epochs N] [--seeds 7,8,9] [--fractions 0.05,0.1,0.2,1] [--configs FILE...]
# help:                      top-1 with 5/10/20/100% of the training labels, from scratch versus SkeletonMAE-
# help:                      pretrained, the same epochs for both (NW-UCLA 3D and the 2D variant, reduced models;
# help:                      --help lists every option; docs/benchmarks.md has the commands of the recorded table)

cmd_bench_labels() {
  bash "$ROOT/training/install.sh" || die "bench-labels: the Python packages are missing; see above."
  (cd "$ROOT/training" && nice /usr/bin/python3 -m portal_actions.bench_labels "$@") || die "bench-labels: failed."
}
