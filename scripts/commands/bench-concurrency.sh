# help:   bench-concurrency [CLIP ...]  8 clips uploaded at once (default: the four short shared clips twice) to a
# help:                      throwaway portal whose one worker process runs 1, then 2 Hangfire jobs at a time: wall
# help:                      time, videos/min, queue wait per stage, oldest-first order and the worker's peak memory

# One private PostgreSQL; for each round a fresh database, media root, web host (no in-process worker) and one
# `Portal.Jobs` process. Rounds "singleN" process each distinct clip alone (1 job at a time): the highest of their
# peak RSS is the reference. Rounds 1 and 2 (BENCH_CONCURRENCY_JOBS, default "1 2": Portal:Worker:WorkerCount) upload the clips
# together and time until the last has finished. Measured, from Hangfire's own state history (hangfire.state: when each
# job was enqueued and when a worker started it):
#   queue wait   per stage: mean and max seconds from Enqueued to Processing
#   overtaken    jobs that a job of the same queue enqueued more than 0.5 s later started more than 0.5 s ahead of:
#                0 = oldest first (the margins keep the eight simultaneous uploads' probes, whose enqueue order
#                is a matter of milliseconds, from counting)
#   peak_MiB     the worker process's VmHWM (ffmpeg children not included), against the limit single × (1 + 0.2 × jobs)
# The worker's intra-op threads follow its rule (InferenceOptions.FillJobShare) unless Portal__Inference__IntraOpThreads
# is set.
cmd_bench_concurrency() {
  require_system_packages ffmpeg:ffmpeg
  build_solution
  run_command_if_present models
  local clips=("$@") video="$ROOT/../shared/data/video"
  if [ ${#clips[@]} -eq 0 ]; then
    clips=("$video/basketball_two_people.mp4" "$video/k400_arm_wrestling.mp4" "$video/k400_archery.avi" "$video/tfjs_pose_1.mp4")
    clips+=("${clips[@]}")
  fi
  local clip
  for clip in "${clips[@]}"; do [ -f "$clip" ] || die "bench-concurrency: no such clip: $clip"; done
  bench_workspace bench-concurrency
  local work="$BENCH_WORK"
  pg_start "$work/postgres"

  # The single-video peak: each distinct clip alone on a fresh worker, the highest of them. (Until 2026-12-07 the
  # largest file alone was the reference, whatever its frame size; the clips' own peaks differ by a few MiB.)
  local distinct single_peak=0 single_clip="" peak n=0 jobs
  mapfile -t distinct < <(printf '%s\n' "${clips[@]}" | awk '!seen[$0]++')
  log "bench-concurrency: ${#clips[@]} clips, $(nproc) CPUs; the single-video reference: the highest peak of the ${#distinct[@]} distinct clips, each alone"
  for clip in "${distinct[@]}"; do
    n=$((n + 1))
    bench_concurrency_round "single$n" 1 "$clip"
    peak="$(cat "$work/peak-single$n")"
    printf '  alone: %-36s %s MiB\n' "$(basename "$clip")" "$peak"
    if [ "$peak" -gt "$single_peak" ]; then single_peak="$peak" single_clip="$clip"; fi
  done
  printf '\n%-6s %7s %7s %10s %9s %8s %9s %9s  %s\n' jobs videos wall_s videos/min overtaken peak_MiB limit_MiB within \
    "load average (start -> end)"
  for jobs in ${BENCH_CONCURRENCY_JOBS:-1 2}; do
    bench_concurrency_round "jobs$jobs" "$jobs" "${clips[@]}"
    awk -v j="$jobs" -v s="$single_peak" -f /dev/stdin "$work/row-jobs$jobs" <<'AWK'
{ limit = s * (1 + 0.2 * j); printf "%-6d %7d %7.1f %10.2f %9d %8d %9.0f %9s  %s -> %s%s\n", j, $1, $2, 60 * $1 / $2, $3, $4, limit, ($4 <= limit ? "yes" : "NO"), $5, $6, ($7 > 0 ? "  (" $7 " did not succeed)" : "") }
AWK
    sed 's/^/    /' "$work/waits-jobs$jobs"
  done
  printf '(single-video peak: %s MiB, %s)\n' "$single_peak" "$(basename "$single_clip")"
}

# bench_concurrency_round NAME JOBS CLIP...: processes the clips on a fresh portal; leaves peak-NAME, row-NAME
# ("videos wall overtaken peak load0 load1 failed") and waits-NAME (the per-stage queue-wait table) in the work folder.
bench_concurrency_round() {
  local name="$1" jobs="$2"; shift 2
  local db="portal_$name" pw port url web worker token psql_url load0
  pw="$(cat "$(pg_password_file "$BENCH_WORK/postgres")")"
  PGPASSWORD="$pw" psql -h 127.0.0.1 -p "$(pg_port "$BENCH_WORK/postgres")" -U portal -d postgres -qc "create database $db"
  psql_url="postgresql://portal:$pw@127.0.0.1:$(pg_port "$BENCH_WORK/postgres")/$db"
  export ConnectionStrings__Portal Portal__Media__Root="$BENCH_WORK/media-$name" Portal__Pipeline__ModelsRoot="$ROOT/models" \
    Logging__LogLevel__Default=Warning ASPNETCORE_ENVIRONMENT=Production DOTNET_ENVIRONMENT=Production
  ConnectionStrings__Portal="$(pg_connection_string "$BENCH_WORK/postgres" "$db")"
  port="$(free_port)"
  url="http://127.0.0.1:$port"
  Portal__Worker__InProcess=false dotnet "$(build_output Portal.Web)/Portal.Web.dll" --urls "$url" \
    --contentRoot "$ROOT/src/Portal.Web" >"$BENCH_WORK/web-$name.log" 2>&1 &
  web=$!
  BENCH_PIDS+=("$web")
  wait_for_http "$url/health" 120 "$web" || die "the portal did not start; see $BENCH_WORK/web-$name.log"
  token="$(new_api_token "bench-$name@localhost")"
  Portal__Worker__WorkerCount="$jobs" Portal__Worker__Name="bench-$name" \
    dotnet "$(build_output Portal.Jobs)/Portal.Jobs.dll" >"$BENCH_WORK/worker-$name.log" 2>&1 &
  worker=$!
  BENCH_PIDS+=("$worker")
  until [ "$(psql "$psql_url" -tAc 'select count(*) from hangfire.server' 2>/dev/null || echo 0)" -ge 1 ]; do sleep 0.5; done
  sleep 2

  load0="$(cut -d' ' -f1 /proc/loadavg)"
  local t0 t1 clip uploads=() left
  t0=$(date +%s.%N)
  # All at once, as eight users would: each upload its own curl.
  for clip in "$@"; do
    curl -fsS -o /dev/null -H "Authorization: Bearer $token" -F "file=@$clip" "$url/api/videos" &
    uploads+=($!)
  done
  for clip in "${uploads[@]}"; do wait "$clip" || die "an upload failed; see $BENCH_WORK/web-$name.log"; done
  while :; do
    left=$(psql "$psql_url" -tAc "select count(*) from portal.videos where \"Status\" not in ('Succeeded', 'Failed', 'Canceled')")
    [ "$left" = 0 ] && break
    sleep 0.5
  done
  t1=$(date +%s.%N)
  local peak failed overtaken
  peak=$(awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$worker/status")
  failed=$(psql "$psql_url" -tAc "select count(*) from portal.videos where \"Status\" <> 'Succeeded'")
  # Each job's first Enqueued and first Processing state (a retried job would add more; then the first wait counts).
  local jobs_sql="
    with e as (select jobid, min(createdat) at, min(data::jsonb->>'Queue') queue from hangfire.state where name = 'Enqueued' group by jobid),
         p as (select jobid, min(createdat) at from hangfire.state where name = 'Processing' group by jobid),
         x as (select j.id, substring(j.invocationdata::jsonb->>'Type' from '([A-Za-z]+)Job,') stage, e.queue, e.at enqueued, p.at started
               from hangfire.job j join e on e.jobid = j.id join p on p.jobid = j.id)"
  overtaken=$(psql "$psql_url" -tAc "$jobs_sql
    select count(distinct a.id) from x a join x b on a.queue = b.queue and b.enqueued > a.enqueued + interval '0.5 s' and b.started < a.started - interval '0.5 s'")
  psql "$psql_url" -tA -F ' ' -c "$jobs_sql
    select stage, queue, count(*), round(avg(extract(epoch from started - enqueued))::numeric, 2), round(max(extract(epoch from started - enqueued))::numeric, 2)
    from x group by stage, queue order by min(enqueued)" |
    awk 'BEGIN { printf "%-12s %-10s %5s %12s %11s\n", "stage", "queue", "jobs", "mean_wait_s", "max_wait_s" }
         { printf "%-12s %-10s %5d %12.2f %11.2f\n", $1, $2, $3, $4, $5 }' >"$BENCH_WORK/waits-$name"
  # Which jobs were overtaken, and by what (seconds from the round's start), so a nonzero count can be judged.
  psql "$psql_url" -tA -F ' ' -c "$jobs_sql, t0 as (select min(enqueued) t from x)
    select a.stage, a.id, round(extract(epoch from a.enqueued - t0.t)::numeric, 1), round(extract(epoch from a.started - t0.t)::numeric, 1),
           b.stage, b.id, round(extract(epoch from b.enqueued - t0.t)::numeric, 1), round(extract(epoch from b.started - t0.t)::numeric, 1)
    from x a join x b on a.queue = b.queue and b.enqueued > a.enqueued + interval '0.5 s' and b.started < a.started - interval '0.5 s', t0
    order by a.enqueued, b.enqueued limit 8" |
    awk '{ printf "overtaken: %s job %s (enqueued %s s, started %s s) by %s job %s (enqueued %s s, started %s s)\n", $1, $2, $3, $4, $5, $6, $7, $8 }' \
    >>"$BENCH_WORK/waits-$name"
  kill -TERM "$worker" "$web" 2>/dev/null
  wait "$worker" "$web" 2>/dev/null || true
  BENCH_PIDS=()
  echo "$peak" >"$BENCH_WORK/peak-$name"
  printf '%d %s %d %d %s %s %d\n' "$#" "$(awk -v a="$t1" -v b="$t0" 'BEGIN { printf "%.2f", a - b }')" "$overtaken" "$peak" \
    "$load0" "$(cut -d' ' -f1 /proc/loadavg)" "$failed" >"$BENCH_WORK/row-$name"
}
