"""Redis stops mid-test (a real server, stopped and started again on its port):
the webhook still answers guides, dedup and sessions degrade, the outage is
logged once, and everything recovers when Redis returns."""
from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import WeChatClient, make_settings
from tests.wechat_side import WeChatSide
from wechat_bot import create_app
from wechat_bot.models import Consultation


@pytest.fixture
def bot(tmp_path: Path, migrated_db: Path, redis_server_proc, clock):
    db_path = tmp_path / "bot.sqlite3"
    shutil.copy(migrated_db, db_path)
    settings = make_settings(tmp_path, db_path, storage={"redis_url": redis_server_proc.url})
    app = create_app(settings=settings, clock=clock)
    app.config["TESTING"] = True
    services = app.extensions["wechat_bot"]
    services.store.health.retry_after = 0  # try Redis on every message (no waiting in a test)
    wx = settings.wechat
    yield app, WeChatClient(app.test_client(), WeChatSide(wx.token, wx.encoding_aes_key, wx.app_id))
    services.database.dispose()


def consultations(app) -> int:
    with app.app_context():
        from wechat_bot.db import get_session

        return get_session().execute(select(func.count()).select_from(Consultation)).scalar_one()


def redis_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "wechat_bot.redis_health"]


def test_redis_down_degrades_then_recovers(bot, redis_server_proc, caplog) -> None:
    app, wechat = bot
    caplog.set_level(logging.INFO)
    side = wechat.side
    # Up: the offered list is remembered.
    assert "回复数字" in wechat.say("身份证", openid="o_a")
    assert "居民身份证丢失补领" in wechat.say("1", openid="o_a")

    redis_server_proc.stop()
    # Down: guides are answered as usual.
    assert "居民身份证" in wechat.say("身份证丢了怎么办", openid="o_b")
    assert "回复数字" in wechat.say("户口", openid="o_b")
    assert wechat.say("1", openid="o_b")  # no list to pick from: an answer still (the help)
    # A consultation is still recorded, even though its retry cannot be deduplicated.
    reply = wechat.send(side.text("人工 我的户口迁移办不下来", openid="o_c", msg_id=501), openid="o_c")
    assert "已收到您的留言" in reply["Content"]
    assert consultations(app) == 1
    assert wechat.say("你好", openid="o_d")
    health = app.test_client().get("/healthz")
    assert health.status_code == 503
    assert health.get_json()["checks"]["redis"] == {"ok": False, "error": "ConnectionError"}
    down = redis_lines(caplog)
    assert len(down) == 1 and "Redis 不可用" in down[0], down

    redis_server_proc.start()
    # Back: the session and dedup work again, and the recovery is logged once.
    assert "回复数字" in wechat.say("身份证", openid="o_e")
    assert "居民身份证丢失补领" in wechat.say("1", openid="o_e")
    xml = side.text("人工 护照加急能办吗", openid="o_f", msg_id=502)
    first = wechat.send(xml, openid="o_f")
    retry = wechat.send(xml, openid="o_f")
    assert first == retry and consultations(app) == 2
    lines = redis_lines(caplog)
    assert len(lines) == 2 and "Redis 已恢复" in lines[1], lines


def messages_of(app, openid: str) -> list[str]:
    with app.extensions["wechat_bot"].database.sessionmaker() as db:
        (consultation,) = db.scalars(select(Consultation).where(Consultation.openid == openid)).all()
        return [m.text for m in consultation.messages]


def test_an_open_consultation_keeps_receiving_after_redis_lost_its_marker(bot, redis_server_proc) -> None:
    """Whether a citizen's message joins their open consultation is told by a marker in
    Redis. A consultation opened while Redis was down has none, and a Redis restarted
    without its data has lost all of them: the citizen's later messages, guide questions
    and thanks included, must still reach the consultation staff will read."""
    app, wechat = bot
    redis_server_proc.stop()
    assert "已收到您的留言" in wechat.say("人工 我的户口迁移办不下来", openid="o_down")
    redis_server_proc.start()  # back, and empty
    assert "居民身份证" in wechat.say("身份证丢了怎么办", openid="o_down")
    assert messages_of(app, "o_down") == ["人工 我的户口迁移办不下来", "身份证丢了怎么办"]

    assert "已收到您的留言" in wechat.say("人工 护照加急能办吗", openid="o_up")
    redis_server_proc.stop()
    redis_server_proc.start()  # a restart that lost every key
    wechat.say("好的，谢谢", openid="o_up")
    wechat.say("好的，谢谢", openid="o_down")
    assert messages_of(app, "o_up") == ["人工 护照加急能办吗", "好的，谢谢"]
    assert messages_of(app, "o_down")[-1] == "好的，谢谢"
    # The markers are back: a citizen without a consultation is not looked up again and again.
    keys = redis_server_proc.client().keys("*consultation*")
    assert any(k.endswith(b"complete") for k in keys)
    assert wechat.say("身份证丢了怎么办", openid="o_none")
    assert consultations(app) == 2


def test_a_marker_lost_to_an_older_snapshot_is_noticed(bot, redis_server_proc) -> None:
    """Redis restarted from a snapshot taken before the consultation opened: the key that
    says the markers are complete came back, the marker did not. The worker's connection
    broke in the restart, which puts Redis's writes in doubt: the markers are read back."""
    app, wechat = bot
    wechat.say("你好", openid="o_early")  # the markers are complete from here on
    client = redis_server_proc.client()
    snapshot = {key: client.dump(key) for key in client.keys("*consultation-markers*")}
    assert snapshot
    assert "已收到您的留言" in wechat.say("人工 驾驶证到期换证", openid="o_late")
    redis_server_proc.stop()
    redis_server_proc.start()
    client = redis_server_proc.client()
    for key, value in snapshot.items():
        client.restore(key, 0, value)
    wechat.say("身份证丢了怎么办", openid="o_late")  # this worker's pipe reconnects here
    wechat.say("好的，谢谢", openid="o_late")
    assert messages_of(app, "o_late") == ["人工 驾驶证到期换证", "身份证丢了怎么办", "好的，谢谢"]
