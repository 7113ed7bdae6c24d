# Functions shared by ./portal and the scripts under scripts/. Sourced, never run.

log() { printf '%s\n' "$*" >&2; }
die() { log "portal: $*"; exit 1; }

is_root() { [ "$(id -u)" = 0 ]; }

# require_system_packages CMD:DEBIAN_PACKAGE ... — installs what is missing when root, otherwise
# says in one sentence what to run.
require_system_packages() {
  local missing=() spec cmd pkg
  for spec in "$@"; do
    cmd="${spec%%:*}"; pkg="${spec#*:}"
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if is_root; then
    log "portal: installing ${missing[*]} with apt-get"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1; then
      apt-get update -qq >/dev/null 2>&1 || true
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null ||
        die "could not install ${missing[*]} with apt-get."
    fi
  else
    die "missing ${missing[*]}: run 'sudo apt-get install -y ${missing[*]}' and try again."
  fi
}

# npm_ci_once DIR MARKER — `npm ci` in DIR unless DIR/node_modules/MARKER is there, tried three times: a test that
# installs its own Node packages would fail on one dropped connection to the registry, and nothing would say it was that.
npm_ci_once() {
  local dir="$1" marker="$2" attempt
  [ -e "$dir/node_modules/$marker" ] && return 0
  for attempt in 1 2 3; do
    log "portal: npm ci in ${dir#"$ROOT"/} (attempt $attempt)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) && return 0
    sleep $((attempt * 10))
  done
  die "npm ci in $dir failed three times; check the npm registry settings (npm config get registry)."
}

portal_data_dir() {
  PORTAL_DATA="${PORTAL_DATA:-$ROOT/.data}"
  mkdir -p -- "$PORTAL_DATA" 2>/dev/null && [ -w "$PORTAL_DATA" ] ||
    die "cannot write to the data directory $PORTAL_DATA as $(id -un): run as the clone's owner ($(stat -c %U -- "$ROOT")), or set PORTAL_DATA to a folder you can write to."
  PORTAL_DATA="$(cd "$PORTAL_DATA" && pwd)"
  export PORTAL_DATA
}

BUILD_CONFIGURATION="${PORTAL_CONFIGURATION:-Release}"

# Every process ./portal starts (the portal, its workers, their tests and benchmarks) gets two glibc malloc arenas
# unless the caller chose otherwise. With glibc's default of eight per core, ONNX Runtime's threads, the ffmpeg pipe
# readers and the .NET thread pool spread native allocations over many arenas that each keep their freed memory, and
# the worker's resident memory grew with the length of the video (docs/benchmarks.md, "Worker memory against video
# length"). It has to be in the environment when the process starts: glibc creates arenas before Main runs.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"

build_solution() {
  local blocked
  for blocked in "$ROOT" "$ROOT"/src/*/obj; do
    [ ! -e "$blocked" ] || [ -w "$blocked" ] ||
      die "$(id -un) cannot write to $blocked (it belongs to $(stat -c %U -- "$blocked")), and the build writes there: run ./portal as that user, or clone the repository as $(id -un)."
  done
  log "portal: building ($BUILD_CONFIGURATION)"
  dotnet build "$ROOT/Portal.sln" -c "$BUILD_CONFIGURATION" -v quiet -nologo -clp:NoSummary >&2 ||
    die "the build failed; see the errors above."
}

build_output() { printf '%s/src/%s/bin/%s/net10.0' "$ROOT" "$1" "$BUILD_CONFIGURATION"; }

run_command_if_present() {
  local name="$1"; shift
  if [ -f "$ROOT/scripts/commands/$name.sh" ]; then "$ROOT/portal" "$name" "$@"; fi
}

# count_in_log FILE REGEX — the sum of the numbers in the lines' matches of REGEX (0 when none match).
count_in_log() {
  { grep -oE "$2" "$1" || true; } | { grep -oE '[0-9]+' || true; } | awk '{ s += $1 } END { print s + 0 }'
}

# print_failed_tests FILE — each failed test of dotnet test's console log again, with its message and the start of its
# stack trace, so the end of a long run (all a CI page may show) says which test failed and why.
print_failed_tests() {
  awk '
    /^  (Passed|Skipped) / || /^\[xUnit/ || /^Test Run / || /^Results File:/ { shown = 0 }
    /^  Failed [^:]/ { shown = 1; lines = 0; print "" }
    shown && lines++ < 40 { print }
  ' "$1"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_for_http() { # URL SECONDS [PID]
  local url="$1" seconds="$2" pid="${3:-}" i
  for ((i = 0; i < seconds * 2; i++)); do
    curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    sleep 0.5
  done
  return 1
}

# --- private PostgreSQL -------------------------------------------------------------------------
# A cluster in DIR, listening on 127.0.0.1 only (no unix socket: a socket path is limited to 107 bytes and a clone may
# live deeper than that), on a free port chosen at each start, superuser `portal` with a generated password kept in
# DIR.password (0600) beside it.
# PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` system user, who must be able to
# enter DIR. Where it cannot (a clone in root's home, mode 0700, or in another user's home), the cluster lives in a
# directory of its own under $PORTAL_PG_CLUSTERS and DIR is a symbolic link to it (docs/decisions/0011).
PORTAL_PG_CLUSTERS="${PORTAL_PG_CLUSTERS:-/var/lib/portal/postgres}"

as_pg_owner() {
  if is_root; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    # From /, since the caller's folder may be one the postgres user cannot enter (PostgreSQL's programs complain).
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

pg_bin() {
  local b
  for b in "$(command -v "$1" 2>/dev/null)" /usr/lib/postgresql/*/bin/"$1"; do
    [ -x "$b" ] && { printf '%s' "$b"; return 0; }
  done
  die "PostgreSQL's $1 was not found: run 'apt-get install -y postgresql' and try again."
}

pg_password_file() { printf '%s.password' "$1"; }

# pg_cluster DIR — where the cluster of DIR really is (DIR itself, or where its link points): the path pg_ctl is given,
# since the postgres user may not be able to follow a link that lies in a folder it cannot enter.
pg_cluster() { readlink -m -- "$1"; }

# pg_blocking_folder DIR — the topmost folder above DIR that the postgres user cannot enter (nothing when none).
pg_blocking_folder() {
  local path blocked=""
  path="$(dirname -- "$(readlink -m -- "$1")")"
  while :; do
    as_pg_owner test -x "$path" || blocked="$path"
    [ "$path" = / ] && break
    path="$(dirname -- "$path")"
  done
  printf '%s' "$blocked"
}

# pg_prepare_dir DIR — makes DIR a directory the cluster's owner can create a cluster in; as root, relocates it under
# $PORTAL_PG_CLUSTERS (DIR becoming a link) when the postgres user cannot reach DIR.
pg_prepare_dir() {
  local dir="$1" blocked target also_blocked
  mkdir -p -- "$dir" 2>/dev/null ||
    die "cannot create $dir ($(id -un) may not write to $(dirname -- "$dir")): set PORTAL_DATA to a folder you can write to."
  is_root || return 0
  [ -L "$dir" ] && return 0
  blocked="$(pg_blocking_folder "$dir")"
  if [ -z "$blocked" ]; then
    chown postgres: "$dir"
    return 0
  fi
  [ -z "$(ls -A -- "$dir")" ] ||
    die "$dir holds files but the postgres user cannot enter $blocked; move them away or 'chmod o+x $blocked'."
  mkdir -p "$PORTAL_PG_CLUSTERS" && chmod 755 "$PORTAL_PG_CLUSTERS" ||
    die "cannot create $PORTAL_PG_CLUSTERS for the private PostgreSQL; set PORTAL_PG_CLUSTERS to a folder the postgres user can enter."
  target="$(mktemp -d "$PORTAL_PG_CLUSTERS/cluster.XXXXXX")"
  chown postgres: "$target"
  also_blocked="$(pg_blocking_folder "$target/x")"
  [ -z "$also_blocked" ] ||
    { rmdir "$target"; die "the postgres user cannot enter $also_blocked either; set PORTAL_PG_CLUSTERS to a folder it can enter."; }
  printf '%s\n' "$dir" >"$target.for"
  rmdir -- "$dir"
  ln -s -- "$target" "$dir"
  log "portal: the postgres user cannot enter $blocked, so the private cluster lives in $target ($dir links to it)"
}

pg_running() { [ -f "$1/postmaster.pid" ] && as_pg_owner "$(pg_bin pg_ctl)" -D "$(pg_cluster "$1")" status >/dev/null 2>&1; }

pg_port() { sed -n '4p' "$1/postmaster.pid"; }

pg_start() {
  local dir="$1" pwfile port cluster
  pwfile="$(pg_password_file "$dir")"
  if [ ! -f "$dir/PG_VERSION" ]; then
    pg_prepare_dir "$dir"
    cluster="$(pg_cluster "$dir")"
    log "portal: creating a private PostgreSQL cluster in $cluster"
    (umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$pwfile")
    # initdb reads the password as the cluster's owner, who may not be able to reach the one beside DIR.
    local tmp_pw
    tmp_pw="$(mktemp)"
    cp "$pwfile" "$tmp_pw"
    if is_root; then chown postgres "$tmp_pw"; fi
    as_pg_owner "$(pg_bin initdb)" -D "$cluster" -U portal --pwfile="$tmp_pw" --auth-host=scram-sha-256 \
      --auth-local=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir.initdb.log" 2>&1 ||
      { rm -f "$tmp_pw"; die "initdb failed; see $dir.initdb.log"; }
    rm -f "$tmp_pw"
    cat >>"$cluster/postgresql.conf" <<'CONF'
listen_addresses = '127.0.0.1'
max_connections = 200
fsync = on
CONF
  fi
  cluster="$(pg_cluster "$dir")"
  port="$(free_port)"
  # No unix socket (an empty unix_socket_directories): every client connects over 127.0.0.1.
  as_pg_owner "$(pg_bin pg_ctl)" -D "$cluster" -l "$cluster/server.log" -w -t 60 \
    -o "-p $port -c unix_socket_directories=''" start >/dev/null || die "PostgreSQL did not start; see $cluster/server.log"
  if ! PGPASSWORD="$(cat "$pwfile")" psql -h 127.0.0.1 -p "$port" -U portal -d postgres -tAc \
    "select 1 from pg_database where datname='portal'" | grep -q 1; then
    PGPASSWORD="$(cat "$pwfile")" psql -h 127.0.0.1 -p "$port" -U portal -d postgres -qc "create database portal" ||
      die "could not create the portal database"
  fi
  log "portal: PostgreSQL listening on 127.0.0.1:$port"
}

# A benchmark's throwaway folder (BENCH_WORK: its PostgreSQL, clips, logs) and an exit trap that stops the processes
# the benchmark put in BENCH_PIDS, then the cluster, then removes the folder, however the benchmark ends.
bench_workspace() {
  BENCH_WORK="$(mktemp -d "/tmp/portal-$1.XXXXXX")"
  chmod 755 "$BENCH_WORK"
  BENCH_PIDS=()
  trap bench_workspace_cleanup INT TERM EXIT
}

# shellcheck disable=SC2317  # called by the trap
bench_workspace_cleanup() {
  trap '' INT TERM
  trap - EXIT
  local p
  for p in "${BENCH_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  pg_stop "$BENCH_WORK/postgres" || true
  rm -rf "$BENCH_WORK"
}

pg_stop() {
  local dir="$1"
  [ -f "$dir/postmaster.pid" ] || return 0
  as_pg_owner "$(pg_bin pg_ctl)" -D "$(pg_cluster "$dir")" -m fast -w stop >/dev/null 2>&1 || true
}

# The database of a running `./portal run` (its private PostgreSQL under PORTAL_DATA) unless ConnectionStrings__Portal
# names another: for the commands that join a running portal (worker, user, token) and never start PostgreSQL.
portal_database_env() {
  portal_data_dir
  if [ -z "${ConnectionStrings__Portal:-}" ]; then
    pg_running "$PORTAL_DATA/postgres" ||
      die "no running private PostgreSQL under $PORTAL_DATA; start './portal run' first, or set ConnectionStrings__Portal."
    export ConnectionStrings__Portal
    ConnectionStrings__Portal="$(pg_connection_string "$PORTAL_DATA/postgres" portal)"
  fi
}

# new_api_token EMAIL [PASSWORD_FILE]: a new account on the database in ConnectionStrings__Portal (its web host running or not) and
# prints a personal API token for it, for scripts that call /api with curl.
# With PASSWORD_FILE it also writes the account's generated password there (for a browser that must sign in).
new_api_token() {
  local password
  password="$(dotnet "$(build_output Portal.Web)/Portal.Web.dll" user add "$1" | tail -n 1)"
  if [ -n "${2:-}" ]; then printf '%s\n' "$password" >"$2"; fi
  dotnet "$(build_output Portal.Web)/Portal.Web.dll" token create "$1" "script" | tail -n 1
}

pg_connection_string() { # DIR DATABASE
  printf 'Host=127.0.0.1;Port=%s;Username=portal;Password=%s;Database=%s' \
    "$(pg_port "$1")" "$(cat "$(pg_password_file "$1")")" "$2"
}

# process_cpu_seconds PID — user + system CPU seconds of PID and its children it has waited for (ffmpeg, ffprobe).
process_cpu_seconds() {
  awk -v tick="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13 + $14 + $15) / tick }' "/proc/$1/stat"
}
