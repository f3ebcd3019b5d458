#!/usr/bin/env bash
# Our webhook vs a bare Flask + wechatpy echo, same machine, same run.
#   bash bench/run_webhook_bench.sh [seconds-per-run]
# Both served by gunicorn with 2 sync workers on loopback; sandbox credentials.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
py=.venv/bin/python
tmp=$(mktemp -d)
export WECHAT_BOT_CONFIG="$tmp/config.toml"
printf '[storage]\ndatabase_url = "sqlite:///%s/bench.sqlite3"\n' "$tmp" > "$WECHAT_BOT_CONFIG"
(cd "$tmp" && "$OLDPWD/$py" "$OLDPWD/app.py" db upgrade >/dev/null)
cleanup() { kill $ours $echo 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
(cd "$tmp" && exec "$OLDPWD/.venv/bin/gunicorn" --pythonpath "$OLDPWD" -w 2 -k sync -b 127.0.0.1:8101 --log-level warning app:app) & ours=$!
.venv/bin/gunicorn -w 2 -k sync -b 127.0.0.1:8102 --log-level warning bench.echo_app:app & echo=$!
for port in 8101 8102; do
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/wechat" && break; sleep 0.1; done
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), Python $($py -c 'import platform; print(platform.python_version())')"
$py bench/webhook_load.py -d "$secs" -c 8 -c 32 --url ours=http://127.0.0.1:8101/wechat --url echo=http://127.0.0.1:8102/wechat
