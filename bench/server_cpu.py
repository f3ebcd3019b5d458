"""Server CPU per request under load: the CPU time that the server's processes (those whose
command line holds MATCH, and the Redis servers) used while ``webhook_load.py`` drove it,
divided by the requests it answered.

    python bench/server_cpu.py --match app:app --url http://127.0.0.1:8101/wechat -c 32 -d 10

The client seals its requests before its clock starts and the server is idle meanwhile, so
the counts cover the whole client run, not a window of it (a window taken during sealing
made two servers look idle that were not). The server is first driven for --warmup seconds
with other messages, outside the counts. Other options go to webhook_load.py.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

LOAD = Path(__file__).resolve().parent / "webhook_load.py"


def cpu_ticks(match: str) -> int:
    """utime + stime of every process whose command line holds ``match``."""
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        if int(pid) == os.getpid():  # our own command line holds MATCH too
            continue
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if match not in cmdline:
                continue
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        total += int(fields[11]) + int(fields[12])
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--match", required=True,
                        help="text in the server processes' command lines only (gunicorn's app argument, say)")
    parser.add_argument("--url", required=True)
    parser.add_argument("--warmup", type=float, default=5.0, metavar="SECONDS",
                        help="drive the server this long before counting (default 5)")
    args, rest = parser.parse_known_args()
    hz = os.sysconf("SC_CLK_TCK")
    if args.warmup > 0:  # outside the counts: webhook_load's own warm-up would be inside them
        subprocess.run([sys.executable, str(LOAD), "--url", f"x={args.url}", *rest, "-d", str(args.warmup),
                        "--warmup", "0", "--seed", "7777"], capture_output=True, text=True, check=True)
    before = cpu_ticks(args.match), cpu_ticks("redis-server")
    run = subprocess.run([sys.executable, str(LOAD), "--url", f"x={args.url}", *rest, "--warmup", "0"],
                         capture_output=True, text=True, check=True)
    after = cpu_ticks(args.match), cpu_ticks("redis-server")
    row = run.stdout.strip().splitlines()[-1]
    requests = int(row.split()[2])
    print(row)
    server_ms = (after[0] - before[0]) / hz * 1000 / requests
    redis_ms = (after[1] - before[1]) / hz * 1000 / requests
    print(f"server CPU {server_ms:.2f} ms/request, Redis {redis_ms:.2f} ms/request")


if __name__ == "__main__":
    main()
