#!/usr/bin/env bash
# The full bot under gunicorn.conf.py at a steady rate for a long time (default
# 10 minutes at 150 req/s), watching memory and p99 drift.
#   bash bench/run_soak.sh [minutes] [rate] [database_url]     (SOAK_PORT=8111 by default)
# database_url: empty for SQLite in a temporary directory, or a PostgreSQL URL
# (postgresql+psycopg://...) whose database is migrated first.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-10}; rate=${2:-150}; dburl=${3:-}
port=${SOAK_PORT:-8111}
py=.venv/bin/python
root=$PWD
tmp=$(mktemp -d)
export WECHAT_BOT_CONFIG="$tmp/config.toml"
printf '[storage]\ndatabase_url = "%s"\n' "${dburl:-sqlite:///$tmp/bench.sqlite3}" > "$WECHAT_BOT_CONFIG"
(cd "$tmp" && "$root/$py" "$root/app.py" db upgrade >/dev/null)
ours=
cleanup() { kill $ours 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
export WECHAT_BOT_LOG_LEVEL=warning
(cd "$tmp" && WECHAT_BOT_BIND=127.0.0.1:$port exec "$root/.venv/bin/gunicorn" -c "$root/gunicorn.conf.py" \
    --pythonpath "$root" --access-logfile /dev/null app:app) & ours=$!
for _ in $(seq 150); do curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done
echo "database: ${dburl:-SQLite (WAL, synchronous=NORMAL)}; machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
$py bench/soak.py --url http://127.0.0.1:$port/wechat --rate "$rate" --minutes "$minutes" --pid "$ours"
