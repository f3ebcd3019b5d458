"""Soak: a steady rate of the realistic mix for a long time, watching memory and p99 drift.

    python bench/soak.py --url http://127.0.0.1:8101/wechat --rate 150 --minutes 10 --pid GUNICORN_MASTER_PID

Every minute prints requests, errors, p50/p99 of that minute and the resident
memory (RSS) of the watched process and its children (gunicorn master +
workers). At the end: first vs last minute, so growth and drift are plain.
Loopback only; bounded by --minutes.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.mix import Mix  # noqa: E402
from bench.webhook_load import Sample, drive, one, percentile  # noqa: E402
from tests.wechat_side import WeChatSide  # noqa: E402
from wechat_bot.config import SANDBOX_AES_KEY, SANDBOX_APP_ID, SANDBOX_TOKEN  # noqa: E402


def rss_kib(pid: int) -> int:
    """Resident memory of pid and all its children, KiB."""
    pids = [pid] + [int(p) for p in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True,
                                                   text=True).stdout.split()]
    total = 0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True)
    parser.add_argument("--rate", type=float, default=150.0, help="requests per second")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--pid", type=int, required=True, help="gunicorn master pid (children are summed)")
    parser.add_argument("--concurrency", type=int, default=64, help="at most this many in flight")
    args = parser.parse_args()
    parts = urlsplit(args.url)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("only loopback targets are allowed")
    side = WeChatSide(SANDBOX_TOKEN, SANDBOX_AES_KEY, SANDBOX_APP_ID)
    mix = Mix(seed=int(time.time()))
    base = int(time.time()) * 1_000_000

    def samples():
        i = 0
        while True:
            yield one(side, parts.netloc, parts.path or "/wechat", i, mix, base)
            i += 1

    rows: list[dict] = []
    window: list[Sample] = []
    started = time.perf_counter()
    mark = [started + 60]

    def on_done(sample: Sample) -> None:
        window.append(sample)
        now = time.perf_counter()
        if now >= mark[0]:
            lat = sorted(s.latency * 1000 for s in window)
            bad = sum(s.status != 200 for s in window)
            row = {"minute": len(rows) + 1, "requests": len(window), "errors": bad,
                   "p50": percentile(lat, 50), "p99": percentile(lat, 99), "rss_mib": rss_kib(args.pid) / 1024}
            rows.append(row)
            print(f"min {row['minute']:>3}  req {row['requests']:>6}  err {bad:>3}  p50 {row['p50']:7.2f} ms"
                  f"  p99 {row['p99']:7.2f} ms  rss {row['rss_mib']:7.1f} MiB", flush=True)
            window.clear()
            mark[0] += 60

    print(f"soak: {args.rate:.0f} req/s for {args.minutes:g} min, rss at start {rss_kib(args.pid) / 1024:.1f} MiB",
          flush=True)
    drive(parts.hostname, parts.port or 80, samples(), args.concurrency, args.minutes * 60,
          rate=args.rate, on_done=on_done)
    if len(rows) >= 2:
        first, last = rows[0], rows[-1]
        print(f"drift: p99 {first['p99']:.2f} → {last['p99']:.2f} ms, rss {first['rss_mib']:.1f} → "
              f"{last['rss_mib']:.1f} MiB, errors {sum(r['errors'] for r in rows)}")
    if any(r["errors"] for r in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
