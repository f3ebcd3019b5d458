"""Servers already running, driven in turns: requests per second, and the CPU time their
processes (and their Redis, if given) spent per request, summed over the rounds.

    python bench/cpu_compare.py --rounds 8 -d 4 base=8201:PID[:REDIS_PID] tree=8202:PID echo=8203:PID

PID is the gunicorn master's (its workers are counted with it). The targets take turns,
reversed every other round, each slice a fresh ``webhook_load.py`` run (realistic mix, its
own seed per round, no warm-up: warm the servers first). CPU time per request is steadier
than a rate on this machine, whose speed drifts by several per cent within minutes: two
identical servers measured this way differed by 1.6 % (bench/README.md), their rates by 7 %.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

LOAD = Path(__file__).resolve().parent / "webhook_load.py"
HZ = os.sysconf("SC_CLK_TCK")


def family(pid: int) -> list[int]:
    """The process and its children (a gunicorn master and its workers)."""
    found = [pid]
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
            found.append(int(entry))
    return found


def usage(pids: list[int]) -> tuple[int, int]:
    """CPU ticks (user + system) and context switches (voluntary + not) of these processes."""
    ticks = switches = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            ticks += int(fields[11]) + int(fields[12])
            for task in os.listdir(f"/proc/{pid}/task"):
                status = Path(f"/proc/{pid}/task/{task}/status").read_text()
                switches += sum(int(n) for n in re.findall(r"ctxt_switches:\s+(\d+)", status))
        except OSError:
            continue
    return ticks, switches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("targets", nargs="+", metavar="LABEL=PORT:PID[:REDIS_PID]")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("-d", "--duration", type=float, default=4.0, help="seconds per slice (default 4)")
    parser.add_argument("-c", "--concurrency", type=int, default=32)
    args = parser.parse_args()
    targets = []
    for spec in args.targets:
        label, _, rest = spec.partition("=")
        numbers = [int(n) for n in rest.split(":")]
        targets.append((label, numbers[0], numbers[1], numbers[2] if len(numbers) > 2 else None))
    totals = {label: [0, 0.0, 0, 0, 0] for label, *_ in targets}  # requests, seconds, ticks, redis ticks, switches
    for r in range(args.rounds):
        for label, port, pid, redis_pid in (targets if r % 2 == 0 else targets[::-1]):
            processes = family(pid)
            before, redis_before = usage(processes), usage([redis_pid] if redis_pid else [])
            run = subprocess.run([sys.executable, str(LOAD), "--url", f"x=http://127.0.0.1:{port}/wechat",
                                  "-c", str(args.concurrency), "-d", str(args.duration), "--rounds", "1",
                                  "--warmup", "0", "--seed", str(100 + r)],
                                 capture_output=True, text=True, check=True)
            after, redis_after = usage(processes), usage([redis_pid] if redis_pid else [])
            row = run.stdout.strip().splitlines()[-1].split()
            requests, rate = int(row[2]), float(row[4])
            t = totals[label]
            t[0] += requests
            t[1] += requests / rate
            t[2] += after[0] - before[0]
            t[3] += redis_after[0] - redis_before[0]
            t[4] += after[1] - before[1] + redis_after[1] - redis_before[1]
    print(f"{'target':<8}{'req/s':>8}{'server ms/req':>15}{'redis ms/req':>14}{'total ms/req':>14}{'ctxsw/req':>11}")
    for label, *_ in targets:
        requests, seconds, ticks, redis_ticks, switches = totals[label]
        server, redis = ticks / HZ * 1000 / requests, redis_ticks / HZ * 1000 / requests
        print(f"{label:<8}{requests / seconds:>8.1f}{server:>15.3f}{redis:>14.3f}{server + redis:>14.3f}"
              f"{switches / requests:>11.1f}")


if __name__ == "__main__":
    main()
