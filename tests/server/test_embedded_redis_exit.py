"""gunicorn's master has the last word on the embedded Redis (gunicorn.conf.py ``on_exit``):
when the web service stops, the server goes too, unless another process still uses it.

Workers connect on their first message, so a stop before any message (or right after a
worker was replaced, whose successor has not used Redis yet) finds no worker to let go
of it: the master then stops it, as the last worker would have."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import redis

from wechat_bot.store import EmbeddedRedis

from .conftest import free_port
from .gunicorn_proc import Gunicorn, bot_config, stop_leftover_embedded_redis


def _service(tmp_path: Path, migrated_db: Path, *extra: str) -> Gunicorn:
    return Gunicorn("app:app", bot_config(tmp_path, migrated_db), free_port(), 1, tmp_path / "gunicorn.log",
                    extra=list(extra))


def _left_behind(tmp_path: Path) -> EmbeddedRedis:
    """The embedded Redis running with nobody connected, as a crashed or replaced process leaves it."""
    embedded = EmbeddedRedis(tmp_path / "instance")
    client = embedded.client()
    client.ping()
    client.connection_pool.disconnect()
    assert embedded.pid() is not None
    return embedded


@pytest.mark.timeout(120)
def test_stopping_right_after_a_worker_was_replaced_stops_the_embedded_redis(tmp_path: Path, migrated_db: Path) -> None:
    web = _service(tmp_path, migrated_db, "--max-requests", "1", "--max-requests-jitter", "0")
    log = tmp_path / "gunicorn.log"
    try:
        web.wait_ready()  # one request (/healthz, which uses Redis): the worker is replaced after it
        deadline = time.monotonic() + 30
        while log.read_text().count("Booting worker") < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "Autorestarting worker" in log.read_text()
        pid = EmbeddedRedis(tmp_path / "instance").pid()
        assert pid is not None  # left running for the successor, which has not used it
    finally:
        web.stop()
        left_running = stop_leftover_embedded_redis(tmp_path / "instance")
    assert left_running is None, "the embedded Redis outlived the web service"
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert "embedded Redis stopped with the web service" in log.read_text()


@pytest.mark.timeout(120)
def test_the_embedded_redis_stays_while_another_process_uses_it(tmp_path: Path, migrated_db: Path) -> None:
    web = _service(tmp_path, migrated_db)
    embedded = _left_behind(tmp_path)
    scheduler = redis.Redis(unix_socket_path=str(embedded.socket), client_name="wb-scheduler")
    try:
        scheduler.ping()  # the scheduler (another process) is connected
        web.wait_ready()
        web.stop()
        assert scheduler.ping()
    finally:
        scheduler.close()
        embedded.stop()
