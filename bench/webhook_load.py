"""Play WeChat against a webhook for a fixed time and concurrency, then verify.

    python bench/webhook_load.py --url http://127.0.0.1:8001/wechat -c 32 -d 10

Safe mode, unique MsgIds, a text/subscribe mix. Requests are sealed before the
clock starts and replies are verified after it stops (signature, decryption,
addressed back to the sender), so the client spends the timed run on I/O.
Only loopback URLs are accepted; the run is bounded by --duration and --max.
"""
from __future__ import annotations

import argparse
import os
import selectors
import socket
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.wechat_side import WeChatSide  # noqa: E402  (our independent WeChat side)
from wechat_bot.config import SANDBOX_AES_KEY, SANDBOX_APP_ID, SANDBOX_TOKEN  # noqa: E402

QUESTIONS = ["你好", "身份证丢了怎么办", "护照怎么办", "小孩出生怎么上户口", "驾驶证到期换证"]


@dataclass
class Sample:
    openid: str
    request: bytes
    latency: float = 0.0
    status: int = 0
    body: bytes = b""


def build(side: WeChatSide, host: str, path: str, n: int) -> list[Sample]:
    samples = []
    for i in range(n):
        openid = f"o_bench_{os.getpid()}_{i}"
        if i % 5 == 4:
            xml = side.event("subscribe", openid=openid)
        else:
            xml = side.text(QUESTIONS[i % len(QUESTIONS)], openid=openid, msg_id=10_000_000 + i)
        query, body = side.seal(xml)
        head = (
            f"POST {path}?{query} HTTP/1.1\r\nHost: {host}\r\nContent-Type: text/xml\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode()
        samples.append(Sample(openid, head + body))
    return samples


def drive(host: str, port: int, samples: list[Sample], concurrency: int, duration: float) -> tuple[list[Sample], float]:
    """Keep ``concurrency`` requests in flight with plain non-blocking sockets.

    One selector loop, no asyncio streams: the client shares the machine's two
    cores with the server, so the lighter it is, the more the server gets."""
    pending = iter(samples)
    done: list[Sample] = []
    selector = selectors.DefaultSelector()
    start = time.perf_counter()
    deadline = start + duration

    def launch() -> bool:
        sample = next(pending, None)
        if sample is None or time.perf_counter() >= deadline:
            return False
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        sample.latency = time.perf_counter()
        sock.connect_ex((host, port))
        selector.register(sock, selectors.EVENT_WRITE, [sample, bytearray(), 0])
        return True

    in_flight = sum(launch() for _ in range(concurrency))
    while in_flight:
        for key, events in selector.select(timeout=5):
            sock, (sample, buffer, sent) = key.fileobj, key.data
            if events & selectors.EVENT_WRITE:
                sent += sock.send(sample.request[sent:])
                key.data[2] = sent
                if sent == len(sample.request):
                    selector.modify(sock, selectors.EVENT_READ, key.data)
                continue
            chunk = sock.recv(65536)
            if chunk:
                buffer += chunk
                continue
            selector.unregister(sock)
            sock.close()
            sample.latency = time.perf_counter() - sample.latency
            head, _, body = bytes(buffer).partition(b"\r\n\r\n")
            sample.status = int(head.split(b" ", 2)[1]) if head else 0
            sample.body = body
            done.append(sample)
            in_flight -= 1
            in_flight += launch()
    return done, time.perf_counter() - start


def verify(side: WeChatSide, samples: list[Sample]) -> int:
    bad = 0
    for sample in samples:
        try:
            assert sample.status == 200, sample.status
            if sample.body != b"success":
                side.open_reply(sample.body, expect_to=sample.openid)
        except Exception:  # noqa: BLE001 - counted and reported
            bad += 1
    return bad


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def run(url: str, concurrency: int, duration: float, limit: int, label: str) -> dict[str, float]:
    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("only loopback targets are allowed")
    side = WeChatSide(SANDBOX_TOKEN, SANDBOX_AES_KEY, SANDBOX_APP_ID)
    samples = build(side, parts.netloc, parts.path or "/wechat", limit)
    done, elapsed = drive(parts.hostname, parts.port or 80, samples, concurrency, duration)
    if not done:
        raise SystemExit(f"{label}: no request completed")
    bad = verify(side, done)
    lat = sorted(s.latency * 1000 for s in done)
    return {
        "label": label, "concurrency": concurrency, "requests": len(done), "errors": bad,
        "rps": len(done) / elapsed, "p50": percentile(lat, 50), "p90": percentile(lat, 90), "p99": percentile(lat, 99),
    }


def print_rows(rows: list[dict]) -> None:
    print(f"{'target':<14}{'conc':>5}{'requests':>10}{'errors':>8}{'req/s':>9}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}")
    for r in rows:
        print(f"{r['label']:<14}{r['concurrency']:>5}{r['requests']:>10}{r['errors']:>8}{r['rps']:>9.0f}{r['p50']:>9.2f}{r['p90']:>9.2f}{r['p99']:>9.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", action="append", required=True, help="LABEL=URL or URL; repeat to compare")
    parser.add_argument("-c", "--concurrency", type=int, action="append", help="repeat for several levels (default 8 and 32)")
    parser.add_argument("-d", "--duration", type=float, default=10.0, help="seconds per run (default 10)")
    parser.add_argument("--max", type=int, default=60_000, help="at most this many requests per run")
    args = parser.parse_args()
    rows = []
    for level in args.concurrency or [8, 32]:
        for target in args.url:
            label, _, url = target.rpartition("=") if "=" in target.split("?")[0] else ("", "", target)
            rows.append(run(url, level, args.duration, args.max, label or url))
    print_rows(rows)
    if any(r["errors"] for r in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
