# help:   bench-pipeline [CLIP ...]  the whole pipeline on each clip (default: ../shared/data/video) on a throwaway
# help:                      portal, next to ffmpeg's decode-only time and the floor (decode + pose alone);
# help:                      BENCH_GPU_WORKER=1: jobs in a worker of the GPU build on CUDA (scripts/gpu-check.sh);
# help:                      BENCH_ROUNDS=N: each clip N times, with the median over the floor

# For each clip, measured in the same run on the same machine:
#   pipeline  upload → Succeeded through the real portal (one in-process worker)
#   decode    ffmpeg -i CLIP -f null -
#   floor     ./portal pose CLIP --model <pipeline pose model> --fps 10 (decode at analysis fps + pose inference)
# and the ratios video-seconds per wall-second and pipeline overhead over the floor; also the CPU seconds of floor and
# pipeline (user + system, ffmpeg included: a measure other people's load on a shared machine hardly moves), the
# worker's peak RSS during that clip, and the wall seconds of each stage; then the poses stage's own breakdown, which
# the stage measures as it runs and logs at its end (PoseStagePhases: decode wait, letterbox, inference, keypoint
# decoding, tracking, blob packing, database writes, progress), with each phase's share of that stage's wall time, and
# the keyframes stage's (KeyframeStagePhases: waiting for ffmpeg's frames, drawing and encoding, the rest).
# Portal__Inference__IntraOpThreads=N, Portal__Inference__FramesInFlight=N, Portal__Inference__AllowSpinning=true,
# Portal__Pipeline__DecodeReadAhead=N (0: sequential), Portal__Pipeline__PoseModel=CARD and
# Portal__Pipeline__PoseInputFitsFrame=true|false pass through to the worker; the floor runs with the same threads,
# frames in flight, spinning, model and input shape.
cmd_bench_pipeline() {
  require_system_packages ffmpeg:ffmpeg jq:jq
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
    local p
    for p in ${BENCH_WORKER_PID:-} ${BENCH_PID:-}; do kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    pg_stop "$BENCH_WORK/postgres" || true
    rm -rf "$BENCH_WORK"
  }
  trap bench_cleanup INT TERM EXIT
  pg_start "$work/postgres"
  port="$(free_port)"
  url="http://127.0.0.1:$port"
  # BENCH_GPU_WORKER=1 (scripts/gpu-check.sh): the jobs run in a worker of the GPU build asked for CUDA instead of in
  # the web host; the CPU and memory figures are then that worker's.
  local in_process=true
  [ "${BENCH_GPU_WORKER:-0}" = 1 ] && in_process=false
  # The worker as deployed by default (Portal:Worker:WorkerCount, jobs at once, left at the core count): one video is
  # processed at a time here, so its poses stage gets every core (ModelRegistry.RentPoseEstimators).
  export ConnectionStrings__Portal Portal__Media__Root="$work/media" Portal__Pipeline__ModelsRoot="$ROOT/models" \
    Logging__LogLevel__Default=Warning Logging__LogLevel__Portal=Information \
    ASPNETCORE_ENVIRONMENT=Production
  ConnectionStrings__Portal="$(pg_connection_string "$work/postgres" portal)"
  Portal__Worker__InProcess=$in_process \
    dotnet "$(build_output Portal.Web)/Portal.Web.dll" --urls "$url" --contentRoot "$ROOT/src/Portal.Web" >"$work/portal.log" 2>&1 &
  pid=$!
  BENCH_PID=$pid
  wait_for_http "$url/health" 120 "$pid" || die "the portal did not start; see $work/portal.log"
  if [ "$in_process" = false ]; then
    Portal__Inference__ExecutionProvider=Cuda Logging__LogLevel__Portal=Information \
      dotnet "$ROOT/artifacts/gpu/bin/Portal.Jobs/$BUILD_CONFIGURATION/net10.0/Portal.Jobs.dll" >"$work/worker.log" 2>&1 &
    pid=$!
    BENCH_WORKER_PID=$pid
    for _ in $(seq 1 120); do grep -q "Inference runs on" "$work/worker.log" && break; sleep 0.5; done
    log "bench-pipeline: GPU worker: $(grep -o "Inference runs on .*" "$work/worker.log" || echo "did not say what it runs on; see $work/worker.log")"
  fi
  local token
  token="$(ConnectionStrings__Portal="$(pg_connection_string "$work/postgres" portal)" new_api_token bench@localhost)"

  # The floor runs the pipeline's pose model (Portal__Pipeline__PoseModel picks another card, a quantized one say),
  # spinning, intra-op threads and frames in flight: the last two as the worker's poses stage logged them for the same
  # clip (its rule, InferenceOptions.FillJobShare, unless configured), so the floor runs after the pipeline.
  local pose_model="${Portal__Pipeline__PoseModel:-movenet-multipose-int8}" # PipelineOptions.PoseModel's default
  local spinning="${Portal__Inference__AllowSpinning:-false}" # InferenceOptions.AllowSpinning's default
  local input=() # PipelineOptions.PoseInputFitsFrame: unset follows the card, as `portal pose` does without --input
  case "${Portal__Pipeline__PoseInputFitsFrame:-}" in
    true | True) input=(--input frame) ;;
    false | False) input=(--input square) ;;
  esac
  log "bench-pipeline: pose model $pose_model, input ${input[1]:-as its card says}, spinning $spinning (worker and floor), decode read-ahead ${Portal__Pipeline__DecodeReadAhead:-default}, $(nproc) CPUs"
  printf '%-40s %8s %9s %9s %9s %10s %9s %9s %9s %9s\n' clip video_s decode_s floor_s pipe_s video_s/s overhead floor_cpu pipe_cpu peak_MiB
  local clip name duration t0 t1 decode floor floor_cpu pipeline pipeline_cpu cpu0 id status peak load0 phases threads in_flight
  # BENCH_ROUNDS=N runs each clip N times, pipeline then floor each time, and closes with each clip's median over the
  # floor: on a shared virtual machine the same work's CPU seconds drift by 10–20 % within minutes, which one pair of
  # runs cannot tell from a change in the code.
  local rounds="${BENCH_ROUNDS:-1}" round overheads=()
  local queue=()
  for clip in "${clips[@]}"; do
    for round in $(seq 1 "$rounds"); do queue+=("$clip"); done
  done
  for clip in "${queue[@]}"; do
    name="$(basename "$clip")"
    load0="$(cut -d' ' -f1 /proc/loadavg)"
    duration="$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$clip")"
    t0=$(date +%s.%N); ffmpeg -v error -i "$clip" -f null - ; t1=$(date +%s.%N)
    decode=$(awk -v a="$t1" -v b="$t0" 'BEGIN { printf "%.2f", a - b }')
    # The worker's peak is measured per clip: writing 5 to clear_refs resets VmHWM to the current RSS.
    echo 5 >"/proc/$pid/clear_refs" 2>/dev/null || log "portal: cannot reset the peak RSS; peak_MiB is the process's peak so far"
    cpu0=$(process_cpu_seconds "$pid")
    t0=$(date +%s.%N)
    id=$(curl -fsS -H "Authorization: Bearer $token" -F "file=@$clip" "$url/api/videos" | sed -E 's/.*"id":"([^"]+)".*/\1/')
    # Watch lightly and time from the server's own records: polling every 0.2 s with curl cost the worker about a
    # second of inference on the 139 s clip (a process and a request five times a second on two cores; see
    # docs/benchmarks.md). The end is when the last stage finished, as the stage timings recorded it, not when the
    # poll noticed; the stages' times come from the same rows (GET /api/videos/ID/timings).
    status=""
    while [[ "$status" != "Succeeded" && "$status" != "Failed" ]]; do
      sleep "${BENCH_POLL_S:-1}"
      status="$(curl -fsS -H "Authorization: Bearer $token" "$url/api/videos/$id" | sed -E 's/.*"status":"([^"]+)".*/\1/')"
    done
    local timings
    timings="$(curl -fsS -H "Authorization: Bearer $token" "$url/api/videos/$id/timings")"
    t1=$(date -d "$(jq -r '[.stages[].finishedAt] | max' <<<"$timings")" +%s.%N)
    pipeline=$(awk -v a="$t1" -v b="$t0" 'BEGIN { printf "%.2f", a - b }')
    pipeline_cpu=$(awk -v a="$(process_cpu_seconds "$pid")" -v b="$cpu0" 'BEGIN { printf "%.2f", a - b }')
    peak=$(awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status")
    # The poses stage's own breakdown, from the line it logged at its end (the last one: this clip's).
    phases="$({ cat "$work/portal.log" "$work/worker.log" 2>/dev/null || true; } | { grep -o 'pose stage phases: .*' || true; } | tail -n 1)"
    threads="$(sed -nE 's/.* threads=([0-9]+) .*/\1/p' <<<"$phases")"
    in_flight="$(sed -nE 's/.* frames_in_flight=([0-9]+) .*/\1/p' <<<"$phases")"
    # bash's `time` reports wall, user and system seconds of the floor, its ffmpeg child included.
    read -r floor floor_cpu < <({ TIMEFORMAT='%R %U %S'; time dotnet "$(build_output Portal.Cli)/portal-cli.dll" pose --models "$ROOT/models" "$clip" \
      --model "$pose_model" --fps 10 --threads "${threads:-0}" --frames-in-flight "${in_flight:-1}" --allow-spinning "$spinning" \
      "${input[@]}" --out "$work/floor.json" >/dev/null 2>&1; } 2>&1 | awk '{ printf "%.2f %.2f\n", $1, $2 + $3 }')
    printf '%-40s %8.1f %9s %9s %9s %10.2f %8.0f%% %9s %9s %9s %s\n' "$name" "$duration" "$decode" "$floor" "$pipeline" \
      "$(awk -v d="$duration" -v p="$pipeline" 'BEGIN { print d / p }')" \
      "$(awk -v f="$floor" -v p="$pipeline" 'BEGIN { print 100 * (p - f) / f }')" "$floor_cpu" "$pipeline_cpu" "$peak" "$status"
    overheads+=("$name $(awk -v f="$floor" -v p="$pipeline" -v d="$duration" 'BEGIN { printf "%.4f %.4f", 100 * (p - f) / f, d / p }')")
    # Where the pipeline's wall time went: the upload (from sending the file until the server had stored it), then
    # each stage's own time and, in brackets where above 0.05 s, its wait in the queue before it started.
    local line upload
    upload=$(awk -v a="$(date -d "$(jq -r .uploadedAt <<<"$timings")" +%s.%N)" -v b="$t0" 'BEGIN { printf "%.1f", a - b }')
    line="  stages (s): upload $upload$(jq -r '.stages[] | " \(.stage) \(.duration) \(.wait)"' <<<"$timings" | awk '
      function seconds(t, parts) { split(t, parts, ":"); return parts[1] * 3600 + parts[2] * 60 + parts[3] }
      { printf " %s %.1f", $1, seconds($2); if (seconds($3) > 0.05) printf " (+%.1f)", seconds($3) }')"
    printf '%s; load average %s at the start, %s at the end\n' "$line" "$load0" "$(cut -d' ' -f1 /proc/loadavg)"
    if [ -n "$phases" ]; then
      awk '{
        for (i = 4; i <= NF; i++) { split($i, kv, "="); value[kv[1]] = kv[2]; if (i > 8) order[++n] = kv[1] }
        printf "  poses stage (s): %d frames, %s in flight, intra-op threads %s, read-ahead %s, wall %.2f, %.1f frames/s\n", value["frames"], value["frames_in_flight"], value["threads"], value["read_ahead"], value["wall"], value["frames"] / value["wall"]
        line = "   "
        for (i = 1; i <= n; i++) line = line sprintf(" %s %.2f (%.0f%%)", order[i], value[order[i]], 100 * value[order[i]] / value["wall"])
        print line
      }' <<<"$phases"
    else
      echo "  poses stage: no phase line in the log"
    fi
    # The keyframes stage's line (KeyframeStagePhases), when the clip had keyframes.
    phases="$({ cat "$work/portal.log" "$work/worker.log" 2>/dev/null || true; } | { grep -o 'keyframe stage phases: .*' || true; } | tail -n 1)"
    if [ -n "$phases" ]; then echo "  keyframes stage (s): ${phases#keyframe stage phases: }"; fi
  done
  if [ "$rounds" -gt 1 ]; then
    echo "over the floor and × real time, each clip's $rounds rounds (median, then every round in order):"
    printf '%s\n' "${overheads[@]}" | awk '
      { over[$1] = over[$1] " " $2; speed[$1] = speed[$1] " " $3; if (!($1 in seen)) { seen[$1] = 1; names[++n] = $1 } }
      function median(list, values, k, i, j, t) {
        k = split(list, values, " ")
        for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (values[j] < values[i]) { t = values[i]; values[i] = values[j]; values[j] = t }
        return k % 2 ? values[(k + 1) / 2] : (values[k / 2] + values[k / 2 + 1]) / 2
      }
      function rounded(list, format, values, k, i, out) { k = split(list, values, " "); for (i = 1; i <= k; i++) out = out sprintf(format, values[i]); return out }
      END { for (i = 1; i <= n; i++) printf "  %-40s over the floor %.0f%% (%s ), %.2fx real time (%s )\n", names[i], median(over[names[i]]), rounded(over[names[i]], " %.0f%%"), median(speed[names[i]]), rounded(speed[names[i]], " %.2f") }'
  fi
}
