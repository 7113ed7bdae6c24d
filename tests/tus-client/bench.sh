#!/usr/bin/env bash
# Upload throughput on one machine: the same file through the multipart endpoint (curl), the tus endpoint in one
# PATCH (curl) and the tus endpoint with the real tus-js-client (Node). Each time runs from the first request until
# the portal has answered with the new video (hashing and recording included). Prints figures; asserts nothing.
#   ./portal run --urls http://127.0.0.1:5080 &   then   tests/tus-client/bench.sh http://127.0.0.1:5080 1024
set -euo pipefail
url="${1:?usage: PORTAL_TOKEN=TOKEN bench.sh PORTAL_URL [MIB]   (a token from ./portal token create EMAIL)}"
auth="Authorization: Bearer ${PORTAL_TOKEN:?set PORTAL_TOKEN to a token from ./portal token create EMAIL}"
mib="${2:-512}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d /tmp/portal-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT
file="$work/bench.mp4"
head -c "$((mib * 1024 * 1024))" /dev/urandom >"$file"
size=$(stat -c %s "$file")
[ -d "$here/node_modules/tus-js-client" ] || (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)

rate() { awk -v b="$size" -v s="$1" 'BEGIN { printf "%8.1f MB/s  (%.2f s)", b / s / 1e6, s }'; }
now() { date +%s.%N; }

t0=$(now)
curl -fsS -o /dev/null -H "$auth" -F "file=@$file;filename=bench.mp4" "$url/api/videos"
t1=$(now)
echo "multipart POST /api/videos (curl):      $(rate "$(echo "$t1 - $t0" | bc)")"

t0=$(now)
location=$(curl -fsS -D - -o /dev/null -X POST -H "$auth" -H 'Tus-Resumable: 1.0.0' -H "Upload-Length: $size" \
  -H "Upload-Metadata: filename $(printf bench.mp4 | base64)" "$url/api/uploads" | tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
curl -fsS -o /dev/null -X PATCH -T "$file" -H "$auth" -H 'Tus-Resumable: 1.0.0' -H 'Upload-Offset: 0' \
  -H 'Content-Type: application/offset+octet-stream' "$url$location"
t1=$(now)
echo "tus POST + one PATCH (curl):            $(rate "$(echo "$t1 - $t0" | bc)")"

t0=$(now)
(cd "$here" && node --input-type=module -e "
import * as tus from 'tus-js-client';
import { createReadStream } from 'node:fs';
await new Promise((resolve, reject) => new tus.Upload(createReadStream('$file'), {
  endpoint: '$url/api/uploads', headers: { Authorization: 'Bearer $PORTAL_TOKEN' }, metadata: { filename: 'bench.mp4' }, onError: reject, onSuccess: resolve }).start());
")
t1=$(now)
echo "tus-js-client in Node, one PATCH:       $(rate "$(echo "$t1 - $t0" | bc)")"
