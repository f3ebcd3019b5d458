"""How long Python's cyclic garbage collector holds a worker: the realistic mix through our
app's WSGI callable in this process, every collection timed by generation.

    python bench/gc_pauses.py [--requests 20000] [--freeze]

``--freeze`` sets the loaded app's objects aside first (``gc.freeze()``), as each gunicorn
worker does after loading the app (wechat_bot/serving.py). A collection holds the GIL, so
under gunicorn every thread of the worker waits for it.
"""
from __future__ import annotations

import argparse
import collections
import gc
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--freeze", action="store_true")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()

    from bench.inprocess import bench_app, mix_request, post_wechat
    from bench.mix import Mix

    app, side = bench_app()
    mix = Mix(seed=args.seed)
    base = int(time.time()) * 10_000
    requests = [mix_request(side, *mix.next(), i, base)[1] for i in range(args.requests)]
    if args.freeze:
        gc.freeze()
    pauses: dict[int, list[float]] = collections.defaultdict(list)
    started = [0.0]

    def timed(phase: str, info: dict) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            pauses[info["generation"]].append(time.perf_counter() - started[0])

    gc.callbacks.append(timed)
    cpu = time.process_time()
    for query, body in requests:
        post_wechat(app, query, body)
    cpu = time.process_time() - cpu
    gc.callbacks.remove(timed)
    print(f"{len(requests)} requests, CPU {cpu / len(requests) * 1000:.3f} ms each; "
          f"objects tracked {len(gc.get_objects())}, frozen {gc.get_freeze_count()}")
    for generation, times in sorted(pauses.items()):
        print(f"generation {generation}: {len(times)} collections, {sum(times) * 1000:.0f} ms in all, "
              f"longest {max(times) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
