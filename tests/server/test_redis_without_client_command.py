"""The webhook's Redis pipe on a server that refuses CLIENT (as some proxies do).

Fire-and-forget writes normally go with CLIENT REPLY SKIP, so no acknowledgement has to
be read back. Where that command is refused, a skipped reply would arrive after all and
every later answer on the connection would be one off; the pipe asks once per
connection and falls back to reading the acknowledgements later.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import redis

from wechat_bot.dedup import Deduplicator
from wechat_bot.store import Store

from .conftest import RedisServer


@pytest.fixture(params=["redis", "no CLIENT command"])
def server(request: pytest.FixtureRequest, tmp_path: Path):
    extra = ("--rename-command", "CLIENT", '""') if request.param == "no CLIENT command" else ()
    server = RedisServer(tmp_path, *extra)
    server.start()
    yield server, request.param
    server.stop()


def test_fire_and_forget_writes_never_shift_the_answers(server) -> None:
    server, kind = server
    client = redis.Redis.from_url(server.url, socket_timeout=5)
    if kind != "redis":
        with pytest.raises(redis.ResponseError):
            client.execute_command("CLIENT", "ID")
    pipe = Deduplicator(Store(client)).pipe
    for i in range(50):
        pipe.send_later("SET", f"k{i}", f"v{i}")
        pipe.send_later("INCR", "count")
        assert pipe.ask_many([("GET", f"k{i}"), ("GET", "count")]) == [f"v{i}".encode(), str(i + 1).encode()]
        pipe.send_later("SET", "last", i)
    assert pipe.local.skips is (kind == "redis")
    assert client.get("last") == b"49" and client.get("count") == b"50"
