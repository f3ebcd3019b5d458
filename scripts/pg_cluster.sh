#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the test suite: a temporary directory, a free
# loopback port, the unix socket inside the directory, trust authentication, no
# fsync (test data only). Never the system's service.
#
#   eval "$(scripts/pg_cluster.sh start)"    # exports WECHAT_BOT_TEST_PG_URL and PG_CLUSTER_DIR
#   make test                                # now every storage test also runs on PostgreSQL
#   scripts/pg_cluster.sh stop "$PG_CLUSTER_DIR"
#   scripts/pg_cluster.sh pause|resume DIR   # stop / start the server only, keeping the data
#
# Binaries: $PG_BIN, else the newest /usr/lib/postgresql/*/bin (Debian), else PATH.
# As root the server runs as the unprivileged `postgres` user (PostgreSQL refuses root);
# set PG_CLUSTER_USER to use another account.
set -euo pipefail

die() { echo "pg_cluster: $*" >&2; exit 1; }

find_bin() {
    if [ -n "${PG_BIN:-}" ]; then
        [ -x "$PG_BIN/initdb" ] || die "no initdb in PG_BIN=$PG_BIN"
        echo "$PG_BIN"; return
    fi
    local newest
    newest=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -n "$newest" ] && [ -x "$newest/initdb" ]; then echo "$newest"; return; fi
    if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return; fi
    die "PostgreSQL server binaries not found (apt-get install -y postgresql, or set PG_BIN)"
}

# Run a command as the cluster's owner, from / (it may not be allowed into our directory).
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        (cd / && runuser -u "${PG_CLUSTER_USER:-postgres}" -- "$@")
    else
        (cd / && "$@")
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

server_start() {
    local bin=$1 dir=$2 port=$3
    as_owner "$bin/pg_ctl" --pgdata="$dir/data" --log="$dir/server.log" --wait --timeout=30 \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir \
            -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null
}

start() {
    local bin dir port user tries
    bin=$(find_bin)
    dir=$(mktemp -d "${TMPDIR:-/tmp}/wb-pg.XXXXXX")
    if [ "$(id -u)" -eq 0 ]; then
        user=${PG_CLUSTER_USER:-postgres}
        id "$user" >/dev/null 2>&1 || die "user '$user' does not exist (set PG_CLUSTER_USER)"
        chown "$user" "$dir"
    fi
    chmod 700 "$dir"
    as_owner "$bin/initdb" --pgdata="$dir/data" --username=postgres --auth=trust \
        --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; rm -rf "$dir"; die "initdb failed"; }
    for tries in 1 2 3; do
        port=$(free_port)
        if server_start "$bin" "$dir" "$port"; then
            echo "$port" >"$dir/port"
            echo "postgresql+psycopg://postgres@127.0.0.1:$port/postgres" >"$dir/url"
            echo "export PG_CLUSTER_DIR='$dir'"
            echo "export WECHAT_BOT_TEST_PG_URL='postgresql+psycopg://postgres@127.0.0.1:$port/postgres'"
            return 0
        fi
    done
    cat "$dir/server.log" >&2
    rm -rf "$dir"
    die "the server did not start (log above)"
}

ours() {
    [ -n "$1" ] || die "no cluster directory given"
    case "$(basename "$1")" in wb-pg.*) ;; *) die "$1 is not a cluster made by this script";; esac
}

server_stop() {
    if [ -f "$2/data/postmaster.pid" ]; then
        as_owner "$1/pg_ctl" --pgdata="$2/data" --mode=fast --wait stop >/dev/null
    fi
}

# The whole cluster: server stopped, directory removed.
stop() {
    local dir=${1:-${PG_CLUSTER_DIR:-}}
    ours "$dir"
    [ -d "$dir" ] || return 0
    server_stop "$(find_bin)" "$dir" || true
    rm -rf "$dir"
}

# Only the server, keeping its data (the fault tests take the database down and back).
pause() { ours "$1"; server_stop "$(find_bin)" "$1"; }
resume() { ours "$1"; server_start "$(find_bin)" "$1" "$(cat "$1/port")"; }

case "${1:-}" in
    start) start ;;
    stop) stop "${2:-}" ;;
    pause) pause "${2:-}" ;;
    resume) resume "${2:-}" ;;
    bin) find_bin ;;
    *) echo "usage: $0 start | stop DIR | pause DIR | resume DIR | bin" >&2; exit 2 ;;
esac
