"""gunicorn replaces each worker after max_requests (gunicorn.conf.py, a bound on slow
memory growth): citizens' messages are all answered while workers restart, and a
worker leaving does not stop the embedded Redis that the others use."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.conftest import TEST_AES_KEY, TEST_TOKEN
from tests.wechat_side import WeChatSide
from wechat_bot.config import SANDBOX_APP_ID

from .conftest import free_port
from .gunicorn_proc import Gunicorn, bot_config, stop_leftover_embedded_redis

QUESTIONS = [("身份证丢了怎么补办", "身份证"), ("护照怎么办理", "护照"), ("新生儿怎么上户口", "户口")]


@pytest.mark.timeout(240)
def test_every_message_is_answered_while_workers_are_replaced(tmp_path: Path, migrated_db: Path) -> None:
    log = tmp_path / "gunicorn.log"
    web = Gunicorn("app:app", bot_config(tmp_path, migrated_db), free_port(), 2, log,
                   extra=["--max-requests", "20", "--max-requests-jitter", "0"])
    side = WeChatSide(TEST_TOKEN, TEST_AES_KEY, SANDBOX_APP_ID)
    messages = []
    for i in range(60):
        question, expected = QUESTIONS[i % len(QUESTIONS)]
        openid = f"o_recycle_{i:03d}"
        messages.append((openid, expected, side.seal(side.text(question, openid=openid, msg_id=71_000 + i))))

    def ask(message: tuple[str, str, tuple[str, bytes]]) -> tuple[str, str, int, bytes]:
        openid, expected, (query, body) = message
        response = requests.post(f"{web.url}/wechat?{query}", data=body,
                                 headers={"Content-Type": "text/xml"}, timeout=30)
        return openid, expected, response.status_code, response.content

    try:
        web.wait_ready()
        redis_pid = (tmp_path / "instance" / "redis.pid").read_text()
        with ThreadPoolExecutor(max_workers=6) as pool:
            answers = list(pool.map(ask, messages))
        assert (tmp_path / "instance" / "redis.pid").read_text() == redis_pid
    finally:
        web.stop()
        left_running = stop_leftover_embedded_redis(tmp_path / "instance")
    # A worker replaced just before the stop leaves the embedded Redis to its successor,
    # which may not have used it yet: gunicorn's master stops it once every worker is gone.
    assert left_running is None, "the embedded Redis outlived the web service"

    assert [status for _, _, status, _ in answers] == [200] * len(messages)
    for openid, expected, _, content in answers:
        reply = side.open_reply(content, expect_to=openid)
        assert expected in reply["Content"], reply["Content"]
    text = log.read_text()
    assert text.count("Autorestarting worker") >= 2, text[-3000:]
    assert "Traceback" not in text
