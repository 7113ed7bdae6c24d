# help:   bench-scale [N ...]        the same twelve 3 s clips through a throwaway portal with N worker processes each
# help:                      (default: 1 and 3): wall time, videos/min, worker CPU s, PostgreSQL transactions
# help:                      and media bytes per video, and what that predicts for N machines

# One private PostgreSQL; for each N a fresh database, media root, web host (no in-process worker) and N
# `Portal.Jobs` processes of BENCH_SCALE_JOBS Hangfire jobs at a time each (default 1). The twelve clips are uploaded at
# once and the clock runs until the last one has finished. Measured:
#   cpu_s/video     user + system seconds of the worker processes and the ffmpeg children they waited for (/proc stat)
#   xacts/video     pg_stat_database xact_commit + xact_rollback of the round's database, less this script's own polls:
#                   every transaction of the web host, the workers and Hangfire's heartbeats and queue polls
#   stored_MB/video what the pipeline left in the media store (du of the media root less the uploads)
#   written_MB/video, read_MB/video  the workers' /proc/PID/io write_bytes (bytes handed to files) and rchar (every read
#                   call: media files, but also ffmpeg's frame pipe and PostgreSQL's socket: an upper bound)
cmd_bench_scale() {
  require_system_packages ffmpeg:ffmpeg
  build_solution
  run_command_if_present models
  local rounds=("$@")
  [ ${#rounds[@]} -eq 0 ] && rounds=(1 3)
  bench_workspace bench-scale
  local work="$BENCH_WORK"
  pg_start "$work/postgres"

  # The clips the scale-out test uses: 3 s from different starts of two shared clips, small H.264.
  mkdir -p "$work/clips"
  local i source
  for i in $(seq 0 11); do
    source=basketball_two_people.mp4; [ $((i % 2)) = 1 ] && source=k400_arm_wrestling.mp4
    ffmpeg -nostdin -v error -y -ss $((i / 2)) -t 3 -i "$ROOT/../shared/data/video/$source" -an -c:v libx264 -preset ultrafast \
      -pix_fmt yuv420p "$work/clips/short-$(printf %02d "$i").mp4"
  done
  local upload_bytes
  upload_bytes=$(du -sb "$work/clips" | cut -f1)

  printf '%-8s %7s %9s %11s %12s %11s %15s %16s %13s  %s\n' workers wall_s videos/min cpu_s/video cpu_s/web xacts/video \
    stored_MB/video written_MB/video read_MB/video "load average (start -> end)"
  local n
  for n in "${rounds[@]}"; do
    bench_scale_round "$n"
  done
  bench_scale_prediction
}

# bench_scale_round N: one row of the table.
bench_scale_round() {
  local n="$1" db="portal_scale_$1" port url web token psql_url load0
  local pw; pw="$(cat "$(pg_password_file "$BENCH_WORK/postgres")")"
  PGPASSWORD="$pw" psql -h 127.0.0.1 -p "$(pg_port "$BENCH_WORK/postgres")" -U portal -d postgres -qc "create database $db"
  psql_url="postgresql://portal:$pw@127.0.0.1:$(pg_port "$BENCH_WORK/postgres")/$db"
  export ConnectionStrings__Portal Portal__Media__Root="$BENCH_WORK/media-$n" Portal__Pipeline__ModelsRoot="$ROOT/models" \
    Portal__Worker__WorkerCount="${BENCH_SCALE_JOBS:-1}" Logging__LogLevel__Default=Warning ASPNETCORE_ENVIRONMENT=Production \
    DOTNET_ENVIRONMENT=Production
  ConnectionStrings__Portal="$(pg_connection_string "$BENCH_WORK/postgres" "$db")"
  port="$(free_port)"
  url="http://127.0.0.1:$port"
  Portal__Worker__InProcess=false dotnet "$(build_output Portal.Web)/Portal.Web.dll" --urls "$url" \
    --contentRoot "$ROOT/src/Portal.Web" >"$BENCH_WORK/web-$n.log" 2>&1 &
  web=$!
  BENCH_PIDS+=("$web")
  wait_for_http "$url/health" 120 "$web" || die "the portal did not start; see $BENCH_WORK/web-$n.log"
  token="$(new_api_token "bench-$n@localhost")"
  local workers=() w
  for w in $(seq 1 "$n"); do
    Portal__Worker__Name="bench-$w" dotnet "$(build_output Portal.Jobs)/Portal.Jobs.dll" >"$BENCH_WORK/worker-$n-$w.log" 2>&1 &
    workers+=($!)
    BENCH_PIDS+=($!)
  done
  # Started when every worker's Hangfire server has registered, so the round times processing, not start-up.
  until [ "$(psql "$psql_url" -tAc 'select count(*) from hangfire.server' 2>/dev/null || echo 0)" -ge "$n" ]; do sleep 0.5; done
  sleep 2

  local cpu0 io0 xacts0 web_cpu0 t0 t1 polls=0 left
  cpu0=$(bench_scale_sum process_cpu_seconds "${workers[@]}")
  io0=$(bench_scale_sum bench_scale_io "${workers[@]}")
  web_cpu0=$(process_cpu_seconds "$web")
  xacts0=$(bench_scale_xacts "$psql_url" "$db")
  load0="$(cut -d' ' -f1 /proc/loadavg)"
  t0=$(date +%s.%N)
  local clip
  for clip in "$BENCH_WORK"/clips/*.mp4; do
    curl -fsS -H "Authorization: Bearer $token" -F "file=@$clip" "$url/api/videos" >/dev/null
  done
  while :; do
    left=$(psql "$psql_url" -tAc "select count(*) from portal.videos where \"Status\" not in ('Succeeded', 'Failed', 'Canceled')")
    polls=$((polls + 1))
    [ "$left" = 0 ] && break
    sleep 1
  done
  t1=$(date +%s.%N)
  local cpu io web_cpu failed
  cpu=$(bench_scale_sum process_cpu_seconds "${workers[@]}")
  io=$(bench_scale_sum bench_scale_io "${workers[@]}")
  web_cpu=$(process_cpu_seconds "$web")
  failed=$(psql "$psql_url" -tAc "select count(*) from portal.videos where \"Status\" <> 'Succeeded'")
  # The statistics collector publishes a backend's counts at most once a second and when it ends: stop first.
  for w in "${workers[@]}" "$web"; do kill -TERM "$w" 2>/dev/null && wait "$w" 2>/dev/null; done
  BENCH_PIDS=()
  sleep 2
  local xacts stored
  # Less this script's polls (one transaction each) and the reading of the counter itself.
  xacts=$(( $(bench_scale_xacts "$psql_url" "$db") - xacts0 - polls - 2 ))
  stored=$(( $(du -sb "$BENCH_WORK/media-$n" | cut -f1) - upload_bytes ))
  awk -v n="$n" -v t0="$t0" -v t1="$t1" -v c0="$cpu0" -v c1="$cpu" -v wc0="$web_cpu0" -v wc1="$web_cpu" -v x="$xacts" \
    -v s="$stored" -v io0="$io0" -v io1="$io" -v load0="$load0" -v load1="$(cut -d' ' -f1 /proc/loadavg)" -v failed="$failed" '
    BEGIN {
      split(io0, a, " "); split(io1, b, " "); wall = t1 - t0; v = 12
      printf "%-8d %7.1f %9.2f %11.2f %12.2f %11.0f %15.2f %16.2f %13.2f  %s -> %s%s\n", n, wall, 60 * v / wall, (c1 - c0) / v,
        (wc1 - wc0) / v, x / v, s / v / 1e6, (b[1] - a[1]) / v / 1e6, (b[2] - a[2]) / v / 1e6, load0, load1,
        (failed > 0 ? "  (" failed " did not succeed)" : "")
    }' | tee -a "$BENCH_WORK/table"
}

# bench_scale_sum FUNCTION PID...: FUNCTION's numbers (one or more per PID, space-separated) added up column by column.
bench_scale_sum() {
  local f="$1" p; shift
  for p in "$@"; do "$f" "$p"; echo; done |
    awk '{ for (i = 1; i <= NF; i++) s[i] += $i; if (NF > m) m = NF } END { for (i = 1; i <= m; i++) printf "%s%.2f", (i > 1 ? " " : ""), s[i] }'
}

# bench_scale_io PID: write_bytes and rchar of PID and the children it waited for.
bench_scale_io() { awk '/^write_bytes/ { w = $2 } /^rchar/ { r = $2 } END { printf "%d %d", w, r }' "/proc/$1/io"; }

bench_scale_xacts() { psql "$1" -tAc "select xact_commit + xact_rollback from pg_stat_database where datname = '$2'"; }

# What the rows predict for more machines, from the last round: each machine adds its own CPU, and shares PostgreSQL
# and the media store.
bench_scale_prediction() {
  awk '
    { n = $1; vpm = $3; cpu = $4; xacts = $6; stored = $7; written = $8; read = $9 }
    END {
      printf "\nPrediction (from the %d-worker row; each added machine brings its own cores, all share PostgreSQL and the media store):\n", n
      printf "  one machine of C cores does about %.1f videos/min per core of these clips (%.1f CPU s each);\n", 60 / cpu, cpu
      printf "  M such machines of C cores: about %.0f * M * C videos/min, as long as the shared parts keep up:\n", 60 / cpu
      printf "  PostgreSQL sees %.0f transactions per video: %.1f per second per busy core, so 1000 and 5000 transactions\n", xacts, xacts / cpu
      printf "    a second (what one PostgreSQL on an SSD might sustain for such short ones) are reached at about %.0f and %.0f cores;\n", 1000 / (xacts / cpu), 5000 / (xacts / cpu)
      printf "  the media store takes %.2f MB written and at most %.2f MB read per video: %.2f MB/s per core.\n", written, read, (written + read) / cpu
    }' "$BENCH_WORK/table"
}
