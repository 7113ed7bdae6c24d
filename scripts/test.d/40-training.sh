#!/usr/bin/env bash
# Python side of the action model (issue 4): pytest for training/, the shared normalization fixture, and a smoke
# run (one short epoch on 64 samples) that trains, exports ONNX + card, and is then loaded and run by the C#
# ActionRecognizer through `portal-cli classify` on a real skeleton JSON.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bash "$ROOT/training/install.sh"
cd "$ROOT/training"
/usr/bin/python3 -m pytest -q -p no:cacheprovider tests
/usr/bin/python3 -m portal_actions.fixtures --check
tmp="$(mktemp -d /tmp/portal-actions-smoke.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 -m portal_actions.train --config configs/actions-smoke.yaml --out "$tmp/run" >"$tmp/train.log" 2>&1 ||
  { cat "$tmp/train.log"; exit 1; }
cli="$ROOT/src/Portal.Cli/bin/${PORTAL_CONFIGURATION:-Release}/net10.0/portal-cli.dll"
[ -f "$cli" ] || dotnet build "$ROOT/src/Portal.Cli" -c "${PORTAL_CONFIGURATION:-Release}" -v quiet -nologo >&2
# The smoke model is coco17: feed it the reference MoveNet keypoints of a real clip (../shared/data/video),
# converted to Portal's skeleton JSON (docs/formats.md) with score 0.9 since the reference has none.
/usr/bin/python3 -m portal_actions.movenet_reference "$ROOT/../shared/data/video/tfjs_pose_1.movenet_lightning.json" \
  "$tmp/tfjs_pose_1.skeleton.json"
dotnet "$cli" classify "$tmp/tfjs_pose_1.skeleton.json" \
  --model "$tmp/run/actions-smoke.card.json" --json >"$tmp/classify.json"
grep -q '"windows":\[{' "$tmp/classify.json" || { echo "smoke model gave no windows:"; cat "$tmp/classify.json"; exit 1; }
echo "training smoke run: trained, exported and classified through C# ($(wc -c <"$tmp/run/actions-smoke.onnx") byte ONNX)"
