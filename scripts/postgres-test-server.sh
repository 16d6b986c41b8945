#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test suite, on loopback only.
#
#   scripts/postgres-test-server.sh [start]   install if needed, start, print the URL
#   scripts/postgres-test-server.sh stop      stop the server (the data stays)
#   scripts/postgres-test-server.sh url       print the URL only
#
# Idempotent: when the server is already up, `start` only prints the URL. It
# survives a machine restart (a stale postmaster.pid is removed) and a wiped
# /tmp (the cluster is created again). Progress goes to stderr; stdout gets
# exactly one line, the SQLAlchemy URL, so `url=$(scripts/postgres-test-server.sh)`
# works. Settings (fsync=off, ...) are for tests only: never put data here that
# you want to keep.
#
# Environment: MICROCRED_PG_PORT (54329), MICROCRED_PG_DIR (/tmp/microcred-pg).
set -euo pipefail

PORT="${MICROCRED_PG_PORT:-54329}"
HOST=127.0.0.1
BASE="${MICROCRED_PG_DIR:-/tmp/microcred-pg}"
DATA="$BASE/data"
SOCKDIR="$BASE/run"
LOG="$BASE/postgres.log"
ROLE=microcred
PASSWORD=microcred
DATABASE=microcred_test
URL="postgresql+psycopg://$ROLE:$PASSWORD@$HOST:$PORT/$DATABASE"

say() { printf 'postgres-test-server: %s\n' "$*" >&2; }
die() {
    say "error: $*"
    exit 1
}

# The newest installed server's bin directory (Debian: /usr/lib/postgresql/<major>/bin).
find_bindir() {
    local dir
    dir="$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/postgres' \
        -printf '%h\n' 2>/dev/null | sort -V | tail -n 1 || true)"
    if [[ -n "$dir" && -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
        printf '%s\n' "$dir"
    fi
}

ensure_installed() {
    BINDIR="$(find_bindir)"
    if [[ -n "$BINDIR" ]]; then
        return
    fi
    [[ $EUID -eq 0 ]] || die "PostgreSQL server is not installed and I am not root: apt-get install postgresql"
    say "installing PostgreSQL (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    local aptlog
    aptlog="$(mktemp)"
    apt-get update -qq >"$aptlog" 2>&1 || {
        cat "$aptlog" >&2
        die "apt-get update failed"
    }
    # policy-rc.d 101 keeps the package from starting its default cluster (port 5432).
    local policy=/usr/sbin/policy-rc.d created_policy=0
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod +x "$policy"
        created_policy=1
    fi
    local rc=0
    apt-get install -y -qq --no-install-recommends postgresql >"$aptlog" 2>&1 || rc=$?
    if [[ $created_policy -eq 1 ]]; then
        rm -f "$policy"
    fi
    if [[ $rc -ne 0 ]]; then
        tail -n 40 "$aptlog" >&2
        die "apt-get install postgresql failed ($rc)"
    fi
    rm -f "$aptlog"
    BINDIR="$(find_bindir)"
    [[ -n "$BINDIR" ]] || die "PostgreSQL installed but no server binaries under /usr/lib/postgresql"
}

# Run a command as the cluster owner: `postgres` when we are root (initdb refuses
# root), ourselves otherwise.
if [[ $EUID -eq 0 ]]; then
    OWNER=postgres
    as_owner() { runuser -u postgres -- "$@"; }
else
    OWNER="$(id -un)"
    as_owner() { "$@"; }
fi

pg_ctl_() { as_owner "$BINDIR/pg_ctl" -D "$DATA" "$@"; }

is_ready() {
    as_owner "$BINDIR/pg_isready" -q -h "$SOCKDIR" -p "$PORT" -d postgres >/dev/null 2>&1
}

psql_admin() {
    as_owner "$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCKDIR" -p "$PORT" -U postgres -d postgres "$@" >&2
}

# postmaster.pid (and the socket lock) left behind by a crash or a machine
# restart: remove them when their pid is not a live postgres process (the pid
# may have been reused by something else after a reboot).
remove_stale_pidfile() {
    local pidfile="$DATA/postmaster.pid" pid comm
    [[ -f $pidfile ]] || return 0
    pid="$(head -n 1 "$pidfile" 2>/dev/null || true)"
    if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
        comm="$(cat "/proc/$pid/comm" 2>/dev/null || true)"
        if [[ $comm == postgres || $comm == postmaster ]]; then
            return 0
        fi
    fi
    say "removing stale $pidfile (pid ${pid:-?} is not a running postgres)"
    rm -f "$pidfile" "$SOCKDIR/.s.PGSQL.$PORT" "$SOCKDIR/.s.PGSQL.$PORT.lock"
}

init_cluster() {
    mkdir -p "$BASE"
    chown "$OWNER" "$BASE"
    chmod 0755 "$BASE"
    as_owner mkdir -p "$SOCKDIR"
    if [[ -f "$DATA/PG_VERSION" ]]; then
        local have want
        have="$(cat "$DATA/PG_VERSION")"
        want="$(basename "$(dirname "$BINDIR")")"
        if [[ $have == "$want" ]]; then
            return
        fi
        say "data directory is PostgreSQL $have, server is $want: recreating $DATA"
        pg_ctl_ stop -m immediate >/dev/null 2>&1 || true
        rm -rf "$DATA"
    elif [[ -e "$DATA" ]]; then
        say "incomplete data directory $DATA: recreating it"
        rm -rf "$DATA"
    fi
    say "creating cluster in $DATA"
    # Unix socket: peer auth for the superuser (only the owner can reach the
    # socket directory). TCP: passwords, loopback only.
    as_owner "$BINDIR/initdb" -D "$DATA" -U postgres -E UTF8 --no-locale \
        --auth-local=peer --auth-host=scram-sha-256 --no-sync >/dev/null
    printf "\ninclude_if_exists = 'microcred-test.conf'\n" | as_owner tee -a "$DATA/postgresql.conf" >/dev/null
}

# Rewritten on every start, so changing a setting here takes effect on restart.
write_config() {
    as_owner tee "$DATA/microcred-test.conf" >/dev/null <<EOF
# Written by scripts/postgres-test-server.sh: settings for a disposable test server.
listen_addresses = '$HOST'
port = $PORT
unix_socket_directories = '$SOCKDIR'
unix_socket_permissions = 0700
max_connections = 200
shared_buffers = 128MB
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = minimal
max_wal_senders = 0
max_wal_size = 1GB
checkpoint_timeout = 30min
autovacuum = off
jit = off
track_counts = on
log_min_messages = warning
log_min_duration_statement = -1
EOF
}

start() {
    ensure_installed
    if [[ -f "$DATA/PG_VERSION" ]] && is_ready; then
        say "already running on $HOST:$PORT"
    else
        init_cluster
        write_config
        remove_stale_pidfile
        say "starting PostgreSQL $(basename "$(dirname "$BINDIR")") on $HOST:$PORT (log: $LOG)"
        as_owner touch "$LOG" 2>/dev/null || true
        chown "$OWNER" "$LOG"
        pg_ctl_ start -w -t 60 -l "$LOG" >/dev/null || {
            tail -n 30 "$LOG" >&2 || true
            die "PostgreSQL did not start"
        }
        local i
        for i in $(seq 1 100); do
            is_ready && break
            [[ $i -eq 100 ]] && die "PostgreSQL does not accept connections (see $LOG)"
            sleep 0.1
        done
    fi
    ensure_role_and_database
    printf '%s\n' "$URL"
}

ensure_role_and_database() {
    psql_admin <<EOF
SELECT format('CREATE ROLE %I LOGIN CREATEDB', '$ROLE')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') \\gexec
ALTER ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD';
SELECT format('CREATE DATABASE %I OWNER %I', '$DATABASE', '$ROLE')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$DATABASE') \\gexec
EOF
}

stop() {
    BINDIR="$(find_bindir)"
    if [[ -z "$BINDIR" || ! -f "$DATA/PG_VERSION" ]]; then
        say "no test cluster in $DATA"
        return
    fi
    remove_stale_pidfile
    if [[ -f "$DATA/postmaster.pid" ]]; then
        pg_ctl_ stop -m fast -w >/dev/null
        say "stopped"
    else
        say "not running"
    fi
}

case "${1:-start}" in
    start) start ;;
    stop) stop ;;
    url) printf '%s\n' "$URL" ;;
    *)
        echo "usage: $0 [start|stop|url]" >&2
        exit 2
        ;;
esac
