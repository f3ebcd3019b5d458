"""Whether a request costs more as the bot's state grows: the realistic mix through our
app's WSGI callable in this process, CPU time per request kind for each batch.

    python bench/cost_over_time.py [--requests 120000] [--every 20000] [--no-human] [--database-url URL]

Nobody answers consultations here, so the share of citizens with one open grows, as in
a soak; ``--no-human`` turns the 人工 requests into ordinary questions, which opens none,
to tell that growth from any other. CPU time of this process only (the embedded Redis
and a PostgreSQL server work in their own). SQLite in a temporary folder by default.
"""
from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

KINDS = ("human", "pick", "question", "subscribe")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=120_000)
    parser.add_argument("--every", type=int, default=20_000)
    parser.add_argument("--no-human", action="store_true", help="ask 人工 requests' questions without 人工")
    parser.add_argument("--database-url", default="", help="default: SQLite in a temporary folder")
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()

    from bench.inprocess import bench_app, mix_request, post_wechat
    from bench.mix import Mix

    app, side = bench_app(args.database_url)
    mix = Mix(seed=args.seed)
    base = int(time.time()) * 10_000
    spent: dict[str, float] = collections.defaultdict(float)
    counts: collections.Counter[str] = collections.Counter()
    print(f"{'requests':>9}{'all ms':>9}" + "".join(f"{k:>10}" for k in KINDS))
    for i in range(args.requests):
        kind, openid, text = mix.next()
        if args.no_human and "人工" in text:
            text = text.replace("人工", "").strip("，：:") or mix.question()
        label, (query, body) = mix_request(side, kind, openid, text, i, base)
        started = time.process_time()
        post_wechat(app, query, body)
        spent[label] += time.process_time() - started
        counts[label] += 1
        if (i + 1) % args.every == 0:
            average = sum(spent.values()) / sum(counts.values()) * 1000
            row = "".join(f"{spent[k] / counts[k] * 1000:>10.3f}" if counts[k] else f"{'-':>10}"
                          for k in KINDS)
            print(f"{i + 1:>9}{average:>9.3f}{row}", flush=True)
            spent.clear()
            counts.clear()


if __name__ == "__main__":
    main()
