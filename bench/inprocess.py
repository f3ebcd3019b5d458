"""Cost per request kind without a server: the same sealed requests through our
app's WSGI callable and the bare echo's, in this process.

    python bench/inprocess.py          # wall time per request
    python bench/inprocess.py --cpu    # this process's CPU time (Redis's own work excluded)

Uses a temporary SQLite database and the embedded Redis in a temporary folder.
"""
from __future__ import annotations

import collections
import io
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def bench_app(database_url: str = "") -> tuple[Any, Any]:
    """Our app on a migrated database (SQLite in a temporary folder unless ``database_url``),
    the embedded Redis, sandbox credentials; and a WeChat side that seals requests for it."""
    tmp = Path(tempfile.mkdtemp())
    os.environ["WECHAT_BOT_CONFIG"] = str(tmp / "config.toml")
    url = database_url or f"sqlite:///{tmp}/bench.sqlite3"
    (tmp / "config.toml").write_text(f'[storage]\ndatabase_url = "{url}"\n')
    from tests.wechat_side import WeChatSide
    from wechat_bot import create_app
    from wechat_bot.config import SANDBOX_AES_KEY, SANDBOX_APP_ID, SANDBOX_TOKEN
    from wechat_bot.migrate import upgrade

    app = create_app()
    upgrade(app.extensions["database"].engine)
    return app, WeChatSide(SANDBOX_TOKEN, SANDBOX_AES_KEY, SANDBOX_APP_ID)


def post_wechat(wsgi: Any, query: str, body: bytes) -> str:
    """One sealed POST /wechat through a WSGI callable, as gunicorn would call it; its status line."""
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/wechat", "QUERY_STRING": query,
               "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "wsgi.input": io.BytesIO(body),
               "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": "text/xml", "wsgi.url_scheme": "http",
               "HTTP_HOST": "127.0.0.1", "SERVER_PROTOCOL": "HTTP/1.1"}
    status: list[str] = []
    b"".join(wsgi(environ, lambda line, headers, *rest: status.append(line)))
    return status[0] if status else ""


def mix_request(side: Any, kind: str, openid: str, text: str, i: int, base: int) -> tuple[str, tuple[str, bytes]]:
    """One draw of ``bench.mix.Mix`` as WeChat would deliver it: its label ("subscribe",
    "pick", "human" or "question") and the sealed (query, body); ``i`` numbers the request
    (CreateTime, and MsgId from ``base``)."""
    from bench.mix import PICKS

    if kind == "subscribe":
        return "subscribe", side.seal(side.event("subscribe", openid=openid, created=1_700_000_000 + i % 100_000_000))
    label = "pick" if text in PICKS else "human" if "人工" in text else "question"
    return label, side.seal(side.text(text, openid=openid, msg_id=base + i))


def main() -> None:
    from bench.echo_app import app as echo
    from bench.mix import Mix

    app, side = bench_app()
    mix = Mix(seed=int(time.time()))
    base = int(time.time()) * 10_000
    by_kind: dict[str, list[tuple[str, bytes]]] = collections.defaultdict(list)
    for i in range(3000):
        label, request = mix_request(side, *mix.next(), i, base)
        by_kind[label].append(request)

    clock = time.process_time if "--cpu" in sys.argv[1:] else time.perf_counter

    def run(wsgi, requests: list[tuple[str, bytes]]) -> float:
        start = clock()
        for query, body in requests:
            post_wechat(wsgi, query, body)
        return (clock() - start) / len(requests) * 1000

    warm = [r for rs in by_kind.values() for r in rs[:20]]
    run(app, warm), run(echo, warm)
    print(f"{'kind':<10}{'count':>6}{'ours ms':>9}{'echo ms':>9}")
    for label, requests in sorted(by_kind.items()):
        print(f"{label:<10}{len(requests):>6}{run(app, requests):>9.3f}{run(echo, requests):>9.3f}")


if __name__ == "__main__":
    main()
