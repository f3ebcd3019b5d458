"""Message bodies as a real gunicorn hands them over: the webhook reads the WSGI input
itself (wechat_bot/webhook.py ``_read_body``), so it is tried here with what gunicorn does
for a Content-Length body, a chunked one, and a chunked one that never stops."""
from __future__ import annotations

from pathlib import Path

import pytest
import requests

from tests.conftest import TEST_AES_KEY, TEST_TOKEN
from tests.wechat_side import WeChatSide
from wechat_bot.config import SANDBOX_APP_ID

from .conftest import free_port
from .gunicorn_proc import Gunicorn, bot_config, stop_leftover_embedded_redis


def _in_pieces(body: bytes, size: int = 100):
    for start in range(0, len(body), size):
        yield body[start:start + size]


@pytest.mark.timeout(120)
def test_a_question_is_answered_however_its_body_arrives(tmp_path: Path, migrated_db: Path) -> None:
    web = Gunicorn("app:app", bot_config(tmp_path, migrated_db), free_port(), 1, tmp_path / "gunicorn.log")
    side = WeChatSide(TEST_TOKEN, TEST_AES_KEY, SANDBOX_APP_ID)
    try:
        web.wait_ready()
        for i, how in enumerate(["Content-Length", "chunked"]):
            openid = f"o_bodies_{i}"
            query, body = side.seal(side.text("护照怎么办理", openid=openid, msg_id=81_000 + i))
            data = body if how == "Content-Length" else _in_pieces(body)  # a generator: sent chunked
            response = requests.post(f"{web.url}/wechat?{query}", data=data, timeout=30,
                                     headers={"Content-Type": "text/xml"})
            assert response.status_code == 200, how
            assert "护照" in side.open_reply(response.content, expect_to=openid)["Content"], how

        query, body = side.seal(side.text("护照怎么办理", openid="o_bodies_big", msg_id=81_100))
        endless = _in_pieces(body[:-6] + b" " * 70_000 + b"</xml>", 4096)
        response = requests.post(f"{web.url}/wechat?{query}", data=endless, timeout=30,
                                 headers={"Content-Type": "text/xml"})
        assert response.status_code == 413
    finally:
        web.stop()
        stop_leftover_embedded_redis(tmp_path / "instance")
    assert "Traceback" not in (tmp_path / "gunicorn.log").read_text()
