"""What still grows in one worker: the realistic mix through our app's WSGI callable in
this process, with tracemalloc, for a long run (no server, no load client).

    python bench/memory_growth.py [--requests 200000] [--every 40000] [--database-url URL]

Every ``--every`` requests it prints the Python heap tracemalloc sees, the process's
RSS and the per-worker memos' fill; at the end, the source lines whose allocations
grew most between the first snapshot after warm-up and the last. A leak shows as a
line that keeps growing in every interval; a memo shows as growth that stops once the
memo is full. SQLite in a temporary folder by default; embedded Redis either way.
"""
from __future__ import annotations

import argparse
import gc
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--every", type=int, default=40_000)
    parser.add_argument("--database-url", default="", help="default: SQLite in a temporary folder")
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()

    from bench.inprocess import bench_app, mix_request, post_wechat
    from bench.mix import Mix
    from wechat_bot.services import dialogue, guide_emergency, guide_lexicon, guide_sections, guides, textnorm

    app, side = bench_app(args.database_url)
    mix = Mix(seed=int(time.time()))
    base = int(time.time()) * 1_000_000
    memos = {"answer_text": guides.answer_text, "extract": guide_lexicon.extract,
             "normalize": textnorm.normalize, "facts": dialogue._facts,
             "asked_section": guide_sections.asked_section, "strip_figurative": guide_emergency.strip_figurative}

    def request(i: int) -> None:
        _, (query, body) = mix_request(side, *mix.next(), i, base)
        status = post_wechat(app, query, body)
        if not status.startswith("200"):
            raise SystemExit(f"request {i}: {status or 'no response'}")

    tracemalloc.start(1)
    print(f"{'requests':>9} {'heap MiB':>9} {'RSS MiB':>8}  memos (filled of size)", flush=True)
    first = last = None
    for i in range(1, args.requests + 1):
        request(i)
        if i % args.every == 0:
            gc.collect()
            snap = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
            heap = sum(s.size for s in snap.statistics("filename")) / 2**20
            fill = ", ".join(f"{n} {f.cache_info().currsize}/{f.cache_info().maxsize}" for n, f in memos.items())
            print(f"{i:>9} {heap:>9.1f} {rss_mib():>8.1f}  {fill}", flush=True)
            first = first or snap
            last = snap
    if first is not None and last is not None and first is not last:
        print(f"\ngrowth from the first snapshot to the last, by line (top {args.top}):")
        for stat in last.compare_to(first, "lineno")[:args.top]:
            print(f"  {stat.size_diff / 1024:>+9.1f} KiB {stat.count_diff:>+8} blocks  {stat.traceback[0]}")


if __name__ == "__main__":
    main()
