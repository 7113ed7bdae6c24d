# help:   bench-memory [--lengths S,S,...] [--review] [CLIP]  the worker's peak memory on clips of these lengths cut or
# help:                      looped from CLIP (default: 60 s and 3600 s of the 139 s shared clip); --review then opens,
# help:                      seeks, zooms and scrolls the longest one's review page in Chromium and times it, the
# help:                      browser on a CPU of its own (--review-shared-cpus: on the server's CPUs)

# Is the worker's memory flat in video length? Every clip is made from the same real video at run time, a long one
# by looping it (`-stream_loop -1 -c copy`: no re-encode, so the people, the tracks and the segments repeat and the
# only thing that grows is the length). Each clip runs on a fresh stand-alone worker (`Portal.Jobs`, one job at a
# time) beside a throwaway web host, so the figures are the worker's alone: uploads are the web host's business.
# While a clip runs, the worker's resident memory is sampled every 0.5 s with the stage from the API; the table gives
# the peak in each stage and the kernel's high-water mark (VmHWM), which also catches what falls between samples, and
# the RSS at each tenth of the pose stage (a creep with the length shows there as it happens).
# With --review the longest clip's review page is then driven in Chromium by tools/Portal.Tools.ReviewBench: first
# paint, opening, seeking, zooming, scrolling, and the server-side time of every request, from the web host's own
# request log (which the web host then writes at Information). A user's browser does not run on the server's CPUs, but
# this one would (on two cores it takes one whole while it starts and renders, and the server's times grew with it:
# docs/benchmarks.md, "A fresh web host's first pages"), so by default the browser gets the last CPU to itself and the
# web host and PostgreSQL the others; --review-shared-cpus leaves all of them on all CPUs, as before.
cmd_bench_memory() {
  local lengths=60,3600 source="$ROOT/../shared/data/video/one-by-one-person-detection.mp4" review=0 pin=1
  while [ $# -gt 0 ]; do
    case "$1" in
      --lengths) lengths="$2"; shift 2 ;;
      --review) review=1; shift ;;
      --review-shared-cpus) review=1; pin=0; shift ;;
      -*) die "bench-memory: unknown option '$1'" ;;
      *) source="$1"; shift ;;
    esac
  done
  [ -f "$source" ] || die "bench-memory: no such clip: $source"
  require_system_packages ffmpeg:ffmpeg
  build_solution
  run_command_if_present models

  local work port url web
  work="$(mktemp -d /tmp/portal-bench-memory.XXXXXX)"
  chmod 755 "$work"
  MEMORY_WORK="$work"
  # shellcheck disable=SC2317  # called by the trap
  memory_cleanup() {
    trap '' INT TERM
    trap - EXIT
    local p
    for p in ${MEMORY_WORKER_PID:-} ${MEMORY_WEB_PID:-}; do kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    pg_stop "$MEMORY_WORK/postgres" || true
    rm -rf "$MEMORY_WORK"
  }
  trap memory_cleanup INT TERM EXIT

  local length
  for length in ${lengths//,/ }; do
    [[ "$length" =~ ^[0-9]+$ ]] || die "bench-memory: --lengths takes whole seconds, e.g. 60,3600"
    log "bench-memory: a ${length} s clip from $(basename "$source")"
    ffmpeg -nostdin -v error -stream_loop -1 -i "$source" -t "$length" -c copy -y "$work/clip${length}s.mp4"
  done

  pg_start "$work/postgres"
  export ConnectionStrings__Portal Portal__Media__Root="$work/media" Portal__Pipeline__ModelsRoot="$ROOT/models" \
    Logging__LogLevel__Default=Warning ASPNETCORE_ENVIRONMENT=Production
  ConnectionStrings__Portal="$(pg_connection_string "$work/postgres" portal)"
  port="$(free_port)"
  url="http://127.0.0.1:$port"
  # The request log is what the review bench reads; a name with dots can only be passed through env.
  Portal__Worker__InProcess=false env Logging__LogLevel__Microsoft.AspNetCore.Hosting.Diagnostics=Information \
    dotnet "$(build_output Portal.Web)/Portal.Web.dll" --urls "$url" --contentRoot "$ROOT/src/Portal.Web" >"$work/web.log" 2>&1 &
  web=$!
  MEMORY_WEB_PID=$web
  # Ready, not just alive: the review bench then measures a host that has done its startup warm-up.
  wait_for_http "$url/health/ready" 120 "$web" || die "the web host did not become ready; see $work/web.log"
  MEMORY_TOKEN="$(new_api_token bench@localhost "$work/password")"

  printf '%-10s %8s %8s %s\n' clip video_s wall_s "worker peak RSS MiB by stage … VmHWM (web host VmHWM)"
  local longest=0 longest_video=""
  for length in ${lengths//,/ }; do
    memory_one_clip "$work/clip${length}s.mp4" "$url" "$work" "$web"
    if [ "$length" -gt "$longest" ]; then longest=$length; longest_video=$MEMORY_VIDEO; fi
  done
  if [ "$review" = 1 ]; then
    require_system_packages chromium:chromium
    local browser_cpus=()
    if [ "$pin" = 1 ] && [ "$(nproc)" -ge 2 ]; then
      local last=$(($(nproc) - 1)) servers
      servers=$([ "$last" = 1 ] && echo 0 || echo "0-$((last - 1))")
      pin_processes "$servers" "$web" "$(head -1 "$(pg_cluster "$work/postgres")/postmaster.pid")"
      browser_cpus=(taskset -c "$last")
      printf '\nThe browser on CPU %s; the web host and PostgreSQL on CPU %s.' "$last" "$servers"
    fi
    printf '\nThe review page of the %s s clip (load average %s):\n\n' "$longest" "$(cut -d' ' -f1-3 /proc/loadavg)"
    "${browser_cpus[@]}" dotnet "$ROOT/tools/Portal.Tools.ReviewBench/bin/$BUILD_CONFIGURATION/net10.0/portal-review-bench.dll" --url "$url" \
      --video "$longest_video" --email bench@localhost --password "$(cat "$work/password")" --server-log "$work/web.log"
    printf '\n(load average after: %s)\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
  fi
}

# pin_processes CPUS PID... — moves every thread of each process, and its child processes (PostgreSQL's backends;
# new ones inherit the postmaster's CPUs), onto CPUS.
pin_processes() {
  local cpus="$1" pid child; shift
  for pid in "$@"; do
    taskset -a -p -c "$cpus" "$pid" >/dev/null || die "could not pin process $pid to CPUs $cpus"
    # A backend may end between the listing and the pinning: nothing to pin then.
    for child in $(pgrep -P "$pid"); do taskset -a -p -c "$cpus" "$child" >/dev/null 2>&1 || ! kill -0 "$child" 2>/dev/null ||
      die "could not pin process $child to CPUs $cpus"; done
  done
}

# memory_one_clip CLIP URL WORK WEB_PID — one clip on a fresh worker; prints a row.
memory_one_clip() {
  local clip="$1" url="$2" work="$3" web="$4" worker duration t0 id status="" stage rss
  Portal__Worker__WorkerCount=1 dotnet "$(build_output Portal.Jobs)/Portal.Jobs.dll" >"$work/worker.log" 2>&1 &
  worker=$!
  MEMORY_WORKER_PID=$worker
  duration="$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$clip")"
  t0=$(date +%s.%N)
  id=$(curl -fsS -H "Authorization: Bearer $MEMORY_TOKEN" -F "file=@$clip" "$url/api/videos" | sed -E 's/.*"id":"([^"]+)".*/\1/')
  local -A peak=()
  local order="" json progress tenth=1 tenths=""
  while [[ "$status" != "Succeeded" && "$status" != "Failed" ]]; do
    kill -0 "$worker" 2>/dev/null || die "the worker died; see $work/worker.log"
    sleep 0.5
    json="$(curl -fsS -H "Authorization: Bearer $MEMORY_TOKEN" "$url/api/videos/$id")"
    read -r status stage <<<"$(sed -E 's/.*"status":"([^"]+)".*"stage":"?([a-z]*)"?,.*/\1 \2/' <<<"$json")"
    progress="$(sed -nE 's/.*"progress":([0-9.eE+-]+).*/\1/p' <<<"$json")"
    [[ "$stage" == "" || "$stage" == null ]] && stage=queued
    rss=$(awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$worker/status")
    [ -z "${peak[$stage]:-}" ] && order+=" $stage"
    if [ -z "${peak[$stage]:-}" ] || [ "$rss" -gt "${peak[$stage]}" ]; then peak[$stage]=$rss; fi
    # The pose stage is nearly all of the time: its RSS at each tenth shows a creep (or a plateau) as it happens. The
    # API's progress is the whole video's, of which the pose stage is 0.20 to 0.85 (PipelineStages.Shares).
    while [ "$stage" = poses ] && [ "$tenth" -le 9 ] &&
      awk -v p="${progress:-0}" -v t="$tenth" 'BEGIN { exit !((p - 0.20) / 0.65 >= t / 10 - 1e-9) }'; do
      tenths+=" $rss"; tenth=$((tenth + 1))
    done
  done
  local line="" s
  for s in $order; do line+=" $s ${peak[$s]}"; done
  printf '%-10s %8.1f %8.1f %s … %s (%s) %s\n' "$(basename "$clip" .mp4)" "$duration" \
    "$(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN { print a - b }')" "$line" \
    "$(awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$worker/status")" \
    "$(awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$web/status")" "$status"
  printf '           poses stage RSS at 10 %%, 20 %%, … 90 %% of it (MiB):%s\n' "${tenths:- (too short to sample)}"
  kill -TERM "$worker" 2>/dev/null && wait "$worker" 2>/dev/null
  MEMORY_WORKER_PID=""
  MEMORY_VIDEO=$id
}
