#!/usr/bin/env bash
# Runs the whole RecSys test suite against a throwaway PostgreSQL cluster.
#
# - Installs Debian's postgresql package when the server binaries are missing (needs root).
# - Starts a private cluster in a temporary folder on a free loopback port, as a non-root user
#   (the 'postgres' account when run as root), and removes it afterwards.
# - Exports its connection string as RECSYS_TEST_POSTGRES and runs `dotnet test RecSys.sln`.
# If RECSYS_TEST_POSTGRES is already set, that database is used instead and nothing is started.
# Extra arguments are passed to `dotnet test` (e.g. ./test.sh --filter Category!=Integration).
set -euo pipefail
cd "$(dirname "$0")"

log() { printf 'test.sh: %s\n' "$*" >&2; }

find_pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [[ -n $dir && -x $dir/initdb && -x $dir/pg_ctl ]] && printf '%s\n' "$dir"
}

start_postgres() {
  local pg_bin
  pg_bin=$(find_pg_bin || true)
  if [[ -z $pg_bin ]]; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
      log "installing PostgreSQL (Debian package 'postgresql')"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq >/dev/null
      apt-get install -y -qq postgresql >/dev/null
      pg_bin=$(find_pg_bin || true)
    fi
    if [[ -z $pg_bin ]]; then
      log "PostgreSQL server binaries not found: install the 'postgresql' package, run as root, or set RECSYS_TEST_POSTGRES"
      exit 2
    fi
  fi

  PG_ROOT=$(mktemp -d "${TMPDIR:-/tmp}/recsys-pg.XXXXXX")
  PG_STOP=(true)
  trap stop_postgres EXIT
  local -a as_owner=()
  if [[ $(id -u) -eq 0 ]]; then
    # initdb refuses to run as root; the package created the 'postgres' account.
    chown postgres:postgres "$PG_ROOT"
    as_owner=(runuser -u postgres --)
  fi

  local port=""
  for candidate in $(shuf -i 20000-60000 -n 100); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
      port=$candidate
      break
    fi
  done
  [[ -n $port ]] || { log "no free loopback port found"; exit 1; }

  "${as_owner[@]}" "$pg_bin/initdb" -D "$PG_ROOT/data" -U recsys --auth=trust -E UTF8 --no-locale >/dev/null
  PG_STOP=("${as_owner[@]}" "$pg_bin/pg_ctl" -D "$PG_ROOT/data" -m immediate -w stop)
  # A throwaway cluster: durability settings off for speed.
  if ! "${as_owner[@]}" "$pg_bin/pg_ctl" -D "$PG_ROOT/data" -l "$PG_ROOT/server.log" -w -t 60 start \
    -o "-p $port -k $PG_ROOT -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null; then
    log "PostgreSQL did not start; its log:"
    cat "$PG_ROOT/server.log" >&2 || true
    exit 1
  fi
  "${as_owner[@]}" "$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U recsys recsys_test

  export RECSYS_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=recsys;Database=recsys_test"
  log "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
}

stop_postgres() {
  "${PG_STOP[@]}" >/dev/null 2>&1 || true
  rm -rf "${PG_ROOT:?}"
}

if [[ -z ${RECSYS_TEST_POSTGRES:-} ]]; then
  start_postgres
fi

dotnet test RecSys.sln "$@"
