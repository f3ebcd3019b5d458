"""Play WeChat against a webhook for a fixed time and concurrency, then verify.

    python bench/webhook_load.py --url http://127.0.0.1:8001/wechat -c 32 -d 10
    python bench/webhook_load.py --url ... --mix simple --late-close 20

Safe mode, unique MsgIds. Several targets take turns in slices of about a second
(``--rounds``), so a drift in the machine's speed during the run is shared by all.
``--mix realistic`` (default, bench/mix.py): varied
guide questions, 10 % subscribes, numbered picks and 人工 requests that write
consultations, from 100,000 senders; ``--mix simple``: five fixed questions and
subscribes. ``--late-close MS``: the client closes each connection MS
milliseconds after it has read the whole reply (as a slow or distant client
does), which is what ties up a gunicorn sync worker. Requests are sealed before
the clock starts and replies are verified after it stops (signature,
decryption, addressed back to the sender), so the client spends the timed run
on I/O. Only loopback URLs are accepted; the run is bounded by --duration and
--max.
"""
from __future__ import annotations

import argparse
import os
import re
import selectors
import socket
import statistics
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.mix import Mix  # noqa: E402
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


def build(side: WeChatSide, host: str, path: str, n: int, mix: str = "simple", seed: int = 9) -> list[Sample]:
    samples = []
    realistic = Mix(seed=seed) if mix == "realistic" else None
    base = (os.getpid() * 1_000_003 + seed * 7919) % 10**12 * 1000
    for i in range(n):
        samples.append(one(side, host, path, i, realistic, base))
    return samples


def one(side: WeChatSide, host: str, path: str, i: int, realistic: Mix | None, base: int = 0) -> Sample:
    if realistic is not None:
        kind, openid, text = realistic.next()
        if kind == "subscribe":
            # A plausible CreateTime (10 digits, as WeChat sends), distinct per request: the
            # webhook refuses anything else with 400, so a 13-digit one measured refusals.
            xml = side.event("subscribe", openid=openid, created=1_700_000_000 + (base // 1000 + i) % 100_000_000)
        else:
            xml = side.text(text, openid=openid, msg_id=base + i)
    else:
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
    return Sample(openid, head + body)


def drive(host: str, port: int, samples: Iterable[Sample], concurrency: int, duration: float,
          late_close: float = 0.0, rate: float | None = None,
          on_done: Callable[[Sample], None] | None = None) -> tuple[list[Sample], float]:
    """Keep ``concurrency`` requests in flight with plain non-blocking sockets.

    One selector loop, no asyncio streams: the client shares the machine's two
    cores with the server, so the lighter it is, the more the server gets.
    A reply is complete when its Content-Length is read (or the server
    closes); the socket is closed ``late_close`` seconds later, and meanwhile
    the next request is already launched. ``rate``: start at most this many
    requests per second (the soak's steady load) instead of as fast as replies
    come back. With ``on_done`` each finished sample goes there and is not kept."""
    pending = iter(samples)
    done: list[Sample] = []
    lingering: deque[tuple[float, socket.socket]] = deque()
    selector = selectors.DefaultSelector()
    start = time.perf_counter()
    deadline = start + duration
    launched = 0

    def launch() -> bool:
        nonlocal launched
        now = time.perf_counter()
        if now >= deadline:
            return False
        if rate is not None and launched >= (now - start) * rate:
            return False
        sample = next(pending, None)
        if sample is None:
            return False
        launched += 1
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        sample.latency = now
        sock.connect_ex((host, port))
        selector.register(sock, selectors.EVENT_WRITE, [sample, bytearray(), 0])
        return True

    def finish(sock: socket.socket, sample: Sample, buffer: bytearray) -> None:
        selector.unregister(sock)
        sample.latency = time.perf_counter() - sample.latency
        head, _, body = bytes(buffer).partition(b"\r\n\r\n")
        sample.status = int(head.split(b" ", 2)[1]) if head else 0
        sample.body = body
        if on_done is None:  # a soak hands each sample on: keeping hours of them grew the client to GBs
            done.append(sample)
        if late_close and sample.status:
            lingering.append((time.perf_counter() + late_close, sock))
        else:
            sock.close()
        if on_done is not None:
            on_done(sample)

    in_flight = sum(launch() for _ in range(concurrency))
    while in_flight or lingering or (rate is not None and time.perf_counter() < deadline):
        now = time.perf_counter()
        while lingering and lingering[0][0] <= now:
            lingering.popleft()[1].close()
        if rate is not None:
            while in_flight < concurrency and launch():
                in_flight += 1
        wait = 0.5
        if lingering:
            wait = max(0.0, lingering[0][0] - now)
        if rate is not None:
            wait = min(wait, 0.002)
        if not in_flight:
            time.sleep(wait)
            continue
        for key, events in selector.select(timeout=wait):
            sock, (sample, buffer, sent) = key.fileobj, key.data
            if events & selectors.EVENT_WRITE:
                try:
                    sent += sock.send(sample.request[sent:])
                except OSError:
                    finish(sock, sample, buffer)
                    in_flight -= 1
                    in_flight += launch()
                    continue
                key.data[2] = sent
                if sent == len(sample.request):
                    selector.modify(sock, selectors.EVENT_READ, key.data)
                continue
            try:
                chunk = sock.recv(65536)
            except OSError:
                chunk = b""
            if chunk:
                buffer += chunk
                if not _complete(buffer):
                    continue
            finish(sock, sample, buffer)
            in_flight -= 1
            in_flight += launch()
    return done, time.perf_counter() - start


def _complete(buffer: bytearray) -> bool:
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return False
    match = _LENGTH.search(bytes(buffer[:end]))
    return match is not None and len(buffer) - end - 4 >= int(match.group(1))


_LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)", re.IGNORECASE)


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


@dataclass
class Target:
    """One server under test at one concurrency: its sealed messages (used in order across
    rounds, so no MsgId repeats) and what was measured so far."""

    label: str
    url: str
    side: WeChatSide
    pending: Iterable[Sample]
    done: list[Sample]
    elapsed: float = 0.0


def target(url: str, label: str, limit: int, *, mix: str = "realistic", seed: int = 9) -> Target:
    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("only loopback targets are allowed")
    side = WeChatSide(SANDBOX_TOKEN, SANDBOX_AES_KEY, SANDBOX_APP_ID)
    samples = build(side, parts.netloc, parts.path or "/wechat", limit, mix, seed)
    return Target(label, url, side, iter(samples), [])


def measure(t: Target, concurrency: int, duration: float, late_close: float = 0.0) -> None:
    parts = urlsplit(t.url)
    done, elapsed = drive(parts.hostname or "127.0.0.1", parts.port or 80, t.pending, concurrency, duration, late_close)
    t.done += done
    t.elapsed += elapsed


def summary(t: Target, concurrency: int) -> dict[str, float]:
    if not t.done:
        raise SystemExit(f"{t.label}: no request completed")
    bad = verify(t.side, t.done)
    lat = sorted(s.latency * 1000 for s in t.done)
    return {
        "label": t.label, "concurrency": concurrency, "requests": len(t.done), "errors": bad,
        "rps": len(t.done) / t.elapsed, "p50": percentile(lat, 50), "p90": percentile(lat, 90), "p99": percentile(lat, 99),
    }


def run(url: str, concurrency: int, duration: float, limit: int, label: str, *,
        mix: str = "realistic", late_close: float = 0.0, seed: int = 9) -> dict[str, float]:
    """One target driven for ``duration`` seconds in one go."""
    t = target(url, label, limit, mix=mix, seed=seed)
    measure(t, concurrency, duration, late_close)
    return summary(t, concurrency)


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
    parser.add_argument("--mix", choices=["realistic", "simple"], default="realistic")
    parser.add_argument("--late-close", type=float, default=0.0, metavar="MS",
                        help="close each connection MS ms after reading the reply")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--rounds", type=int, default=None,
                        help="split each target's --duration into this many slices, the targets taking turns "
                             "(default: slices of about a second, at least 3): this machine's speed drifts "
                             "over a run, and each target must get the same share of it. Two identical echo "
                             "servers measured 0.92-1.05x each other in 5-s slices, 0.98-1.02x in 1-s "
                             "slices (bench/README.md)")
    parser.add_argument("--warmup", type=float, default=5.0, metavar="SECONDS",
                        help="drive each target this long first, unmeasured, with other messages and "
                             "senders (default 5; 0 for none)")
    args = parser.parse_args()
    targets = [target.rpartition("=") if "=" in target.split("?")[0] else ("", "", target) for target in args.url]
    levels = args.concurrency or [8, 32]
    if args.warmup > 0:
        # A server that has just started is slower for its first seconds (lazily loaded parts,
        # the interpreter's specialisation, connection pools): measured cold, whichever target
        # runs first would pay for it. The warm-up's messages come from another seed, so the
        # measured texts are not the ones it answered.
        for label, _, url in targets:
            run(url, levels[0], args.warmup, 20_000, label or url, mix=args.mix,
                late_close=args.late_close / 1000, seed=args.seed * 1000 + 999)
    rows = []
    rounds = max(1, args.rounds) if args.rounds is not None else max(3, round(args.duration))
    for level in levels:
        # The same messages for every target at a level; new MsgIds per level.
        measured = [target(url, label or url, args.max, mix=args.mix, seed=args.seed * 1000 + level)
                    for label, _, url in targets]
        for r in range(rounds):
            for t in (measured if r % 2 == 0 else measured[::-1]):  # each goes first as often as last
                measure(t, level, args.duration / rounds, args.late_close / 1000)
        rows += [summary(t, level) for t in measured]
    print_rows(rows)
    if any(r["errors"] for r in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
