#!/usr/bin/env bash
# Our webhook vs a bare Flask + wechatpy echo, same machine, same run.
#   bash bench/run_webhook_bench.sh [seconds-per-run] [extra webhook_load.py options...]
#   e.g. bash bench/run_webhook_bench.sh 10 --late-close 20
#   BENCH_CONCURRENCY="32" bash bench/run_webhook_bench.sh 10   (one level only)
#   BENCH_APP=bench.ablation_app:app BENCH_ABLATE=match ...     (ours with parts removed: bench/ablation_app.py)
# Both served by gunicorn with gunicorn.conf.py (same worker class, workers and
# threads) on loopback; sandbox credentials, safe mode; realistic mix by default
# (bench/mix.py), concurrency 8, 32 and 128.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}; shift || true
port=${BENCH_PORT:-8101}   # ours on port, the echo on port+1
for p in $port $((port + 1)); do  # another job's server there would be measured instead
  if (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "port $p is in use: set BENCH_PORT" >&2; exit 1; fi
done
py=.venv/bin/python
root=$PWD
tmp=$(mktemp -d)
export WECHAT_BOT_CONFIG="$tmp/config.toml"
printf '[storage]\ndatabase_url = "sqlite:///%s/bench.sqlite3"\n' "$tmp" > "$WECHAT_BOT_CONFIG"
(cd "$tmp" && "$root/$py" "$root/app.py" db upgrade >/dev/null)
ours= echo=
cleanup() { kill $ours $echo 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
export WECHAT_BOT_LOG_LEVEL=warning
(cd "$tmp" && WECHAT_BOT_BIND=127.0.0.1:$port exec "$root/.venv/bin/gunicorn" -c "$root/gunicorn.conf.py" \
    --pythonpath "$root" --access-logfile /dev/null "${BENCH_APP:-app:app}") & ours=$!
WECHAT_BOT_BIND=127.0.0.1:$((port + 1)) .venv/bin/gunicorn -c gunicorn.conf.py --access-logfile /dev/null bench.echo_app:app & echo=$!
for p in $port $((port + 1)); do
  for _ in $(seq 150); do curl -s -o /dev/null "http://127.0.0.1:$p/wechat" && break; sleep 0.1; done
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), Python $($py -c 'import platform; print(platform.python_version())'), load $(cut -d' ' -f1-3 /proc/loadavg)"
[ -z "${BENCH_APP:-}" ] || echo "ours: $BENCH_APP, BENCH_ABLATE=${BENCH_ABLATE:-}"
echo "gunicorn: $($py -c 'import runpy; c = runpy.run_path("gunicorn.conf.py"); print(c["worker_class"], "workers", c["workers"], "threads", c["threads"])')"
conc=()
for c in ${BENCH_CONCURRENCY:-8 32 128}; do conc+=(-c "$c"); done
$py bench/webhook_load.py -d "$secs" "${conc[@]}" --url ours=http://127.0.0.1:$port/wechat --url echo=http://127.0.0.1:$((port + 1))/wechat "$@"
echo "consultations written: $(cd "$tmp" && "$root/$py" -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from consultations').fetchone()[0])" "$tmp/bench.sqlite3")"
