"""What the conversation context costs per message: answering alone vs answering in context
(the context read and write in a real embedded Redis), over a mix of first questions,
follow-ups, small talk and emergencies. Bounded: --n messages (default 5000).

    .venv/bin/python bench/conversation_bench.py [--n 5000]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from wechat_bot.dedup import Deduplicator  # noqa: E402
from wechat_bot.services import dialogue  # noqa: E402
from wechat_bot.services.guides import Bureau, Catalogue, answer_text  # noqa: E402
from wechat_bot.store import EmbeddedRedis, Store  # noqa: E402

BUREAU = Bureau("略阳县公安局", "略阳公安", "略阳县示例路1号", "0000-0000000", "工作日 8:00-12:00，14:30-18:00")
SITE = "https://bot.example.cn"
# One citizen's turns; citizens take turns, so every follow-up finds its context in Redis.
SCRIPT = ["身份证丢了怎么办", "要多少钱", "带啥", "你好", "护照怎么办", "几天能拿", "谢谢",
          "小孩出生怎么上户口", "在哪办", "有人在打架", "在中山路口", "驾驶证到期换证"]


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=5000)
    args = parser.parse_args(argv[1:])
    catalogue = Catalogue.load()
    now = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)

    def ask(text, pending=()):
        return answer_text(catalogue, text, BUREAU, site_url=SITE, pending_choices=tuple(pending))

    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedRedis(Path(tmp))
        client = server.client()
        try:
            store = Store(client, "bench:")
            pipe = Deduplicator(store).pipe
            alone, in_context = [], []
            for i in range(args.n):
                text = SCRIPT[i % len(SCRIPT)]
                openid = f"o_{(i // len(SCRIPT)) % 50}"
                t0 = time.perf_counter()
                ask(text)
                alone.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                memory = dialogue.RedisMemory(store, openid, pipe.send_later)
                dialogue.respond(ask, catalogue, BUREAU, lambda g: f"{SITE}/g/{g}", text, memory, now)
                in_context.append(time.perf_counter() - t0)
        finally:
            client.connection_pool.disconnect()
            server.stop()
    for name, values in (("answer alone", alone), ("answer in context", in_context)):
        us = [v * 1e6 for v in values]
        print(f"{name:<20} median {statistics.median(us):7.1f} µs   p99 {percentile(us, 0.99):7.1f} µs")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
