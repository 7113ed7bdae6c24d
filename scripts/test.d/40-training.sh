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
# The --json shape is the issue's contract: {"model":{"name","version"},"windows":[{"trackId","startSeconds",
# "endSeconds","topK":[{"label","score"}]}]}.
/usr/bin/python3 - "$tmp/classify.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
assert set(doc) == {"model", "windows"} and set(doc["model"]) == {"name", "version"}, doc.keys()
assert doc["model"]["name"] == "actions-smoke" and len(doc["windows"]) == 3, doc
for w in doc["windows"]:
    assert set(w) == {"trackId", "startSeconds", "endSeconds", "topK"}, w.keys()
    assert w["trackId"] is None and w["startSeconds"] < w["endSeconds"]
    assert len(w["topK"]) == 5 and all(set(k) == {"label", "score"} for k in w["topK"])
    assert all(a["score"] >= b["score"] for a, b in zip(w["topK"], w["topK"][1:]))
PY
# Fine-tuning from reviews (issue 15): the smoke model, its weights read back from its ONNX, fine-tuned for one
# epoch on a synthetic reviewed set (learning contract §1-2), and the result loaded and run by the C# recognizer.
/usr/bin/python3 tests/reviewed_fixture.py "$tmp/reviewed" --videos 3 >/dev/null
/usr/bin/python3 -m portal_actions.finetune --data "$tmp/reviewed" --base "$tmp/run/actions-smoke.onnx" --out "$tmp/tuned" \
  --name actions-smoke-tuned --version 0.0.2 --epochs 1 --min-windows 5 >"$tmp/tuned.jsonl" 2>"$tmp/tuned.log" ||
  { cat "$tmp/tuned.log" "$tmp/tuned.jsonl"; exit 1; }
dotnet "$cli" classify "$tmp/tfjs_pose_1.skeleton.json" \
  --model "$tmp/tuned/actions-smoke-tuned.card.json" --json >"$tmp/classify-tuned.json"
/usr/bin/python3 - "$tmp/classify-tuned.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["model"] == {"name": "actions-smoke-tuned", "version": "0.0.2"} and doc["windows"], doc
for w in doc["windows"]:
    assert {k["label"] for k in w["topK"]} == {"arm circles", "squat", "wave"}, w
PY
echo "training smoke run: trained, exported and classified through C# ($(wc -c <"$tmp/run/actions-smoke.onnx") byte ONNX), fine-tuned and classified again"
