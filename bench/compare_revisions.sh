#!/usr/bin/env bash
# The webhook of an older commit vs the working tree, and the bare echo, in one run:
#   bash bench/compare_revisions.sh BASE_COMMIT [rounds] [seconds-per-slice]
# Each served by gunicorn with gunicorn.conf.py on loopback (ports 8201-8203, or from
# BENCH_PORT), sandbox credentials, its own instance (SQLite, embedded Redis); warmed
# up, then driven in turns by bench/cpu_compare.py, which prints the rate and the CPU
# time per request of each server and its Redis.
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:?usage: compare_revisions.sh BASE_COMMIT [rounds] [seconds-per-slice]}
rounds=${2:-8}; secs=${3:-4}
port=${BENCH_PORT:-8201}
root=$PWD
py=$root/.venv/bin/python
for p in $port $((port + 1)) $((port + 2)); do
  if (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "port $p is in use: set BENCH_PORT" >&2; exit 1; fi
done
tmp=$(mktemp -d)
git worktree add -q --detach "$tmp/base" "$base"
# The matcher's C extension, built for this tree; the base runs its own Python versions
# when its C source differs (rebuilt here only if the source is the same file).
if cmp -s wechat_bot/services/_matcher.c "$tmp/base/wechat_bot/services/_matcher.c"; then
  cp wechat_bot/services/_matcher*.so "$tmp/base/wechat_bot/services/" 2>/dev/null || true
fi
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; git worktree remove --force "$tmp/base"; rm -rf "$tmp"; }
trap cleanup EXIT
start() { # source-dir port instance-dir [app]
  mkdir -p "$3"
  printf '[storage]\ndatabase_url = "sqlite:///%s/bench.sqlite3"\n' "$3" > "$3/config.toml"
  (cd "$3" && WECHAT_BOT_CONFIG=$3/config.toml PYTHONPATH=$1 "$py" "$1/app.py" db upgrade >/dev/null)
  (cd "$3" && exec env WECHAT_BOT_CONFIG="$3/config.toml" WECHAT_BOT_LOG_LEVEL=warning WECHAT_BOT_BIND=127.0.0.1:$2 \
     "$root/.venv/bin/gunicorn" -c "$root/gunicorn.conf.py" --pythonpath "$1" --access-logfile /dev/null "${4:-app:app}") \
     >/dev/null 2>&1 &
  pids+=($!)
}
start "$tmp/base" "$port" "$tmp/inst-base"
start "$root" "$((port + 1))" "$tmp/inst-tree"
start "$root" "$((port + 2))" "$tmp/inst-echo" bench.echo_app:app
for p in $port $((port + 1)) $((port + 2)); do
  for _ in $(seq 150); do curl -s -o /dev/null "http://127.0.0.1:$p/wechat" && break; sleep 0.1; done
  "$py" bench/webhook_load.py -d 4 -c 32 --rounds 1 --warmup 0 --seed 5 --url "x=http://127.0.0.1:$p/wechat" >/dev/null
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg); base $base vs working tree"
"$py" bench/cpu_compare.py --rounds "$rounds" -d "$secs" \
  "base=$port:${pids[0]}:$(cat "$tmp/inst-base/instance/redis.pid")" \
  "tree=$((port + 1)):${pids[1]}:$(cat "$tmp/inst-tree/instance/redis.pid")" \
  "echo=$((port + 2)):${pids[2]}"
