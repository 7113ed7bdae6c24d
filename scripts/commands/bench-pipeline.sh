# help:   bench-pipeline [CLIP ...]  the whole pipeline on each clip (default: ../shared/data/video) on a throwaway
# help:                      portal, next to ffmpeg's decode-only time and the floor (decode + pose alone)

# For each clip, measured in the same run on the same machine:
#   pipeline  upload → Succeeded through the real portal (one in-process worker)
#   decode    ffmpeg -i CLIP -f null -
#   floor     ./portal pose CLIP --model <pipeline pose model> --fps 10 (decode at analysis fps + pose inference)
# and the ratios video-seconds per wall-second and pipeline overhead over the floor.
cmd_bench_pipeline() {
  require_system_packages ffmpeg:ffmpeg
  build_solution
  run_command_if_present models
  local clips=("$@")
  if [ ${#clips[@]} -eq 0 ]; then
    mapfile -t clips < <(find "$ROOT/../shared/data/video" -maxdepth 1 -type f ! -name '*.json' | sort)
  fi
  local work port url pid
  work="$(mktemp -d /tmp/portal-bench.XXXXXX)"
  chmod 755 "$work"
  BENCH_WORK="$work"
  # shellcheck disable=SC2317  # called by the trap
  bench_cleanup() {
    trap '' INT TERM
    trap - EXIT
    [ -n "${BENCH_PID:-}" ] && kill -TERM "$BENCH_PID" 2>/dev/null && wait "$BENCH_PID" 2>/dev/null
    pg_stop "$BENCH_WORK/postgres" || true
    rm -rf "$BENCH_WORK"
  }
  trap bench_cleanup INT TERM EXIT
  pg_start "$work/postgres"
  port="$(free_port)"
  url="http://127.0.0.1:$port"
  ConnectionStrings__Portal="$(pg_connection_string "$work/postgres" portal)" \
    Portal__Media__Root="$work/media" Portal__Pipeline__ModelsRoot="$ROOT/models" Portal__Worker__InProcess=true \
    Portal__Worker__WorkerCount=1 Logging__LogLevel__Default=Warning ASPNETCORE_ENVIRONMENT=Production \
    dotnet "$(build_output Portal.Web)/Portal.Web.dll" --urls "$url" --contentRoot "$ROOT/src/Portal.Web" >"$work/portal.log" 2>&1 &
  pid=$!
  BENCH_PID=$pid
  wait_for_http "$url/health" 120 "$pid" || die "the portal did not start; see $work/portal.log"

  printf '%-40s %8s %9s %9s %9s %10s %9s %9s\n' clip video_s decode_s floor_s pipe_s video_s/s overhead peak_MiB
  local clip name duration t0 t1 decode floor pipeline id status peak
  for clip in "${clips[@]}"; do
    name="$(basename "$clip")"
    duration="$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$clip")"
    t0=$(date +%s.%N); ffmpeg -v error -i "$clip" -f null - ; t1=$(date +%s.%N)
    decode=$(awk -v a="$t1" -v b="$t0" 'BEGIN { printf "%.2f", a - b }')
    t0=$(date +%s.%N)
    dotnet "$(build_output Portal.Cli)/portal-cli.dll" pose --models "$ROOT/models" "$clip" --model movenet-multipose --fps 10 --out "$work/floor.json" >/dev/null 2>&1
    t1=$(date +%s.%N)
    floor=$(awk -v a="$t1" -v b="$t0" 'BEGIN { printf "%.2f", a - b }')
    t0=$(date +%s.%N)
    id=$(curl -fsS -F "file=@$clip" "$url/api/videos" | sed -E 's/.*"id":"([^"]+)".*/\1/')
    status=""
    while [[ "$status" != "Succeeded" && "$status" != "Failed" ]]; do
      sleep 0.2
      status=$(curl -fsS "$url/api/videos/$id" | sed -E 's/.*"status":"([^"]+)".*/\1/')
    done
    t1=$(date +%s.%N)
    pipeline=$(awk -v a="$t1" -v b="$t0" 'BEGIN { printf "%.2f", a - b }')
    peak=$(awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status")
    printf '%-40s %8.1f %9s %9s %9s %10.2f %8.0f%% %9s %s\n' "$name" "$duration" "$decode" "$floor" "$pipeline" \
      "$(awk -v d="$duration" -v p="$pipeline" 'BEGIN { print d / p }')" \
      "$(awk -v f="$floor" -v p="$pipeline" 'BEGIN { print 100 * (p - f) / f }')" "$peak" "$status"
  done
}
