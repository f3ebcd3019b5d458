#!/usr/bin/env bash
# The webhook of an older commit vs the working tree, same machine, same run:
#   bash bench/compare_revisions.sh BASE_COMMIT [seconds-per-run] [first-port]
# Each served by gunicorn with 2 sync workers on loopback, sandbox credentials,
# its own instance (SQLite, embedded Redis); measured in both orders.
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:?usage: compare_revisions.sh BASE_COMMIT [seconds] [first-port]}
secs=${2:-8}
port=${3:-18731}
here=$PWD
py=$here/.venv/bin/python
tmp=$(mktemp -d)
mkdir -p "$tmp/base"
git archive "$base" | tar -x -C "$tmp/base"
start() { # source-dir port
  local d=$tmp/inst-$2
  mkdir -p "$d"
  printf '[storage]\ndatabase_url = "sqlite:///%s/bench.sqlite3"\n' "$d" > "$d/config.toml"
  (cd "$d" && WECHAT_BOT_CONFIG=$d/config.toml PYTHONPATH=$1 "$py" "$1/app.py" db upgrade >/dev/null)
  (cd "$d" && WECHAT_BOT_CONFIG=$d/config.toml exec "$here/.venv/bin/gunicorn" --pythonpath "$1" -w 2 -k sync \
     -b "127.0.0.1:$2" --log-level warning -p "$d/gunicorn.pid" app:app) >/dev/null 2>&1 &
}
cleanup() {
  for p in "$port" "$((port + 1))"; do
    [ -f "$tmp/inst-$p/gunicorn.pid" ] && kill "$(cat "$tmp/inst-$p/gunicorn.pid")" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
start "$tmp/base" "$port"
start "$here" "$((port + 1))"
for p in "$port" "$((port + 1))"; do
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$p/wechat" && break; sleep 0.1; done
done
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); base $base vs working tree"
"$py" bench/webhook_load.py -d "$secs" -c 8 --url "base=http://127.0.0.1:$port/wechat" --url "tree=http://127.0.0.1:$((port + 1))/wechat"
"$py" bench/webhook_load.py -d "$secs" -c 8 --url "tree=http://127.0.0.1:$((port + 1))/wechat" --url "base=http://127.0.0.1:$port/wechat"
