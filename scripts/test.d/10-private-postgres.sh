#!/usr/bin/env bash
# The private PostgreSQL of `./portal run` wherever a clone lies (issue 13, docs/decisions/0011): below a folder the
# postgres user cannot enter (root's home is 0700), in a path with spaces, and in a clone owned by an ordinary user
# who runs the portal as themselves. Each case starts the cluster with the functions `./portal run` uses
# (portal_data_dir, pg_start, pg_connection_string, pg_running, pg_stop), connects with the connection string the
# portal is given, and stops it. Also: a data directory the user cannot write to is refused with a sentence.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

base="$(mktemp -d /tmp/portal-pg-places.XXXXXX)"
user=""
# shellcheck disable=SC2317  # called by the trap
cleanup() {
  local link
  for link in "$base"/*/portal/.data/postgres "$base"/*/*/portal/.data/postgres; do
    [ -L "$link" ] && rm -rf -- "$(readlink -f -- "$link")" "$(readlink -f -- "$link").for"
  done
  if [ -n "$user" ]; then userdel "$user" 2>/dev/null || true; fi
  rm -rf -- "$base"
}
trap cleanup EXIT

# The check each case runs, as whichever user runs it: a script of its own so an ordinary user can run it too (the
# repository may lie in root's home, where that user cannot read scripts/lib.sh).
cp "$ROOT/scripts/lib.sh" "$base/lib.sh"
cat >"$base/check.sh" <<'CHECK'
set -euo pipefail
ROOT="$1"
source "$(dirname "$0")/lib.sh"
PORTAL_DATA="$ROOT/.data"
portal_data_dir
dir="$PORTAL_DATA/postgres"
pg_start "$dir"
# The connection string ./portal run exports, turned into libpq's keywords.
conninfo="$(pg_connection_string "$dir" portal | sed 's/Host=/host=/; s/;Port=/ port=/; s/;Username=/ user=/; s/;Password=/ password=/; s/;Database=/ dbname=/')"
answer="$(psql "$conninfo" -tAc 'select current_database()')"
pg_running "$dir" || { echo "pg_running says the cluster in $dir is not running" >&2; exit 1; }
pg_stop "$dir"
! pg_running "$dir" || { echo "the cluster in $dir still runs after pg_stop" >&2; exit 1; }
[ "$answer" = portal ] || { echo "the cluster answered '$answer', not 'portal'" >&2; exit 1; }
echo "ok: $ROOT"
CHECK
chmod 755 "$base"
chmod 644 "$base/lib.sh" "$base/check.sh"

failures=0
expect_ok() { # NAME ROOT [USER]
  local name="$1" root="$2" as="${3:-}" out
  if [ -n "$as" ]; then
    out="$(runuser -u "$as" -- env PATH=/usr/local/bin:/usr/bin:/bin HOME="$(dirname "$root")" bash "$base/check.sh" "$root" 2>&1)"
  else
    out="$(bash "$base/check.sh" "$root" 2>&1)"
  fi || { printf 'FAILED %s:\n%s\n' "$name" "$out"; failures=$((failures + 1)); return 0; }
  printf 'passed %s\n' "$name"
}

# 1. A clone below a folder only its owner may enter, like root's home.
mkdir -p "$base/private/portal"
chmod 700 "$base/private"
expect_ok "clone below a 0700 folder" "$base/private/portal"

# 2. A clone in a path with spaces.
mkdir -p "$base/a path with spaces/portal"
expect_ok "clone in a path with spaces" "$base/a path with spaces/portal"

if [ "$(id -u)" = 0 ]; then
  # 3. A clone owned by an ordinary user with a 0700 home, who runs the portal as themselves.
  user="portal-t$$"
  useradd --no-create-home --home-dir "$base/home" --shell /usr/sbin/nologin "$user"
  mkdir -p "$base/home/my clone/portal" "$base/home/other clone/portal"
  chown -R "$user": "$base/home"
  chmod 700 "$base/home"
  expect_ok "clone owned by an ordinary user, run as that user" "$base/home/my clone/portal" "$user"

  # 4. Root in that user's clone: the postgres user cannot enter the user's home.
  expect_ok "clone in an ordinary user's 0700 home, run as root" "$base/home/other clone/portal"

  # 5. The ordinary user pointed at a data directory they cannot write to is told what to do.
  out="$(runuser -u "$user" -- env PATH=/usr/local/bin:/usr/bin:/bin bash "$base/check.sh" "$base/private/portal" 2>&1)" &&
    { echo "FAILED: a data directory the user cannot write to was accepted"; failures=$((failures + 1)); }
  if grep -q "set PORTAL_DATA to a folder you can write to" <<<"$out"; then
    echo "passed unwritable data directory refused with what to do"
  else
    printf 'FAILED unwritable data directory: the message says not what to do:\n%s\n' "$out"
    failures=$((failures + 1))
  fi
fi

if [ "$failures" = 0 ]; then
  echo "private PostgreSQL in every kind of clone folder: all cases passed"
else
  echo "private PostgreSQL: $failures case(s) failed"
  exit 1
fi
