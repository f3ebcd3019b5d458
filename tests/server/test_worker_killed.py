"""A gunicorn worker killed (SIGKILL) in the middle of a 人工 request: WeChat's
retry of the same message gets the right answer, and the consultation is
recorded once."""
from __future__ import annotations

import os
import signal
import sqlite3
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import TEST_AES_KEY, TEST_TOKEN
from tests.wechat_side import WeChatSide
from wechat_bot.config import SANDBOX_APP_ID
from wechat_bot.dedup import PENDING

from .conftest import free_port
from .gunicorn_proc import Gunicorn, bot_config


@pytest.mark.timeout(120)
def test_wechats_retry_after_a_killed_worker_gets_the_answer(tmp_path: Path, migrated_db: Path,
                                                              redis_server_proc) -> None:
    config = bot_config(tmp_path, migrated_db, redis_url=redis_server_proc.url)
    db = tmp_path / "bot.sqlite3"
    web = Gunicorn("app:app", config, free_port(), 2, tmp_path / "gunicorn.log")
    side = WeChatSide(TEST_TOKEN, TEST_AES_KEY, SANDBOX_APP_ID)
    query, body = side.seal(side.text("人工 我的户口迁移一直办不下来", openid="o_killed", msg_id=90_001))
    url = f"{web.url}/wechat?{query}"
    redis = redis_server_proc.client()
    blocker = sqlite3.connect(db, isolation_level=None, timeout=1)
    try:
        web.wait_ready()
        blocker.execute("BEGIN EXCLUSIVE")  # the worker's consultation insert now waits on the lock
        first: list[object] = []
        thread = threading.Thread(target=lambda: first.append(_post(url, body)), daemon=True)
        thread.start()
        owner = _claim_owner(redis)  # the worker holding the message, mid-request
        assert owner in web.worker_pids()
        os.kill(owner, signal.SIGKILL)
        thread.join(timeout=10)
        assert isinstance(first[0], requests.ConnectionError), first  # WeChat saw no answer
        blocker.execute("ROLLBACK")
        retry = requests.post(url, data=body, headers={"Content-Type": "text/xml"}, timeout=5)
        assert retry.status_code == 200
        reply = side.open_reply(retry.content, expect_to="o_killed")
        assert "已收到您的留言" in reply["Content"]
        again = requests.post(url, data=body, headers={"Content-Type": "text/xml"}, timeout=5)
        assert side.open_reply(again.content, expect_to="o_killed") == reply
    finally:
        blocker.close()
        web.stop()
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM consultations").fetchone()[0] == 1
    # The access log (gunicorn.conf.py) has the path only: no openid, signature or nonce.
    log = (tmp_path / "gunicorn.log").read_text()
    assert '"POST /wechat" 200' in log
    assert "o_killed" not in log and "signature" not in log and "户口" not in log


def _post(url: str, body: bytes) -> object:
    try:
        return requests.post(url, data=body, headers={"Content-Type": "text/xml"}, timeout=20)
    except requests.RequestException as exc:
        return exc


def _claim_owner(redis) -> int:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for key in redis.scan_iter(match="wb:dedup:*"):
            value = redis.get(key) or b""
            if value.startswith(PENDING + b"|"):
                return int(value.rsplit(b":", 1)[1])
        time.sleep(0.01)  # polling another process's progress: no event to wait on
    raise AssertionError("the message was never claimed")
