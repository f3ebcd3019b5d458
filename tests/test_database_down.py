"""The database goes down: citizens still get guides and emergency answers (they
need no database), anything that needs it gets one short fixed reply, and
nothing is half-written. Runs on every backend: the SQLite file disappears, or
the PostgreSQL server refuses and cuts the app's connections."""
from __future__ import annotations

import logging
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from wechat_bot.db import get_session
from wechat_bot.migrate import upgrade
from wechat_bot.models import Consultation
from wechat_bot.services.subscribers import ERASED_TEXT, session_key

from . import databases

CONSULT = "人工：我的户口迁移办到哪一步了"


def consultations(app) -> list[Consultation]:
    with app.app_context():
        return list(get_session().scalars(select(Consultation).order_by(Consultation.id)))


def unavailable_text(app) -> str:
    return app.extensions["wechat_bot"].messages.unavailable


def test_the_fixed_reply_is_short_chinese_and_points_to_110(app):
    text = unavailable_text(app)
    assert len(text) <= 60 and "110" in text and "没有保存" in text


def test_guides_emergencies_and_menu_texts_need_no_database(app, wechat, wechat_side, database_outage):
    asked = ["身份证丢了怎么办", "有人在打我", "你好"]
    before = [wechat.say(text) for text in asked]
    clicks = ["EMERGENCY", "CONTACT", "CONSULT"]
    menu_before = [wechat.send(wechat_side.event("CLICK", EventKey=key))["Content"] for key in clicks]
    database_outage.down()
    assert [wechat.say(text) for text in asked] == before
    assert before[1].startswith("110！")
    assert [wechat.send(wechat_side.event("CLICK", EventKey=key))["Content"] for key in clicks] == menu_before
    assert "欢迎关注" in wechat.send(wechat_side.event("subscribe", openid="o_new"), openid="o_new")["Content"]
    client = wechat.client
    assert client.get("/g/").status_code == 200 and client.get("/g/idcard-reissue").status_code == 200


def test_staff_are_told_the_database_is_down_not_shown_a_traceback(app, client, database_outage):
    from .notices_support import PASSWORD, make_staff

    make_staff(app)
    assert client.get("/console/login").status_code == 200
    with client.session_transaction() as session:
        token = session["csrf_token"]
    database_outage.down()
    response = client.post("/console/login", data={"name": "wang", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 503
    assert "数据库暂时无法连接" in response.get_data(as_text=True)


def test_a_consultation_while_down_gets_the_fixed_reply_and_is_not_saved(app, wechat, database_outage, caplog):
    database_outage.down()
    with caplog.at_level(logging.INFO):
        reply = wechat.say(CONSULT, openid="o_asker")
    assert reply == unavailable_text(app)
    # The outage is logged as such, without the citizen's words or openid.
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("database unavailable" in line for line in warnings)
    assert not any("户口" in r.getMessage() or "o_asker" in r.getMessage() for r in caplog.records)
    assert not any(r.exc_info for r in caplog.records if "database unavailable" in r.getMessage())

    database_outage.up()
    assert consultations(app) == []  # nothing half-written
    # Service resumes by itself (the pool drops the connections the outage cut).
    assert "已收到您的留言" in wechat.say(CONSULT, openid="o_asker")
    assert [(c.openid, c.text) for c in consultations(app)] == [("o_asker", CONSULT)]


def test_latest_news_while_down_gets_the_fixed_reply(app, wechat, wechat_side, database_outage):
    working = wechat.send(wechat_side.event("CLICK", EventKey="NEWS_LATEST"))["Content"]
    assert working != unavailable_text(app)
    database_outage.down()
    assert wechat.send(wechat_side.event("CLICK", EventKey="NEWS_LATEST"))["Content"] == unavailable_text(app)
    database_outage.up()
    assert wechat.send(wechat_side.event("CLICK", EventKey="NEWS_LATEST"))["Content"] == working


def test_a_retry_of_the_failed_delivery_gets_the_same_fixed_reply(app, wechat, wechat_side, database_outage):
    xml = wechat_side.text(CONSULT, openid="o_retry", msg_id=7001)
    database_outage.down()
    first = wechat.send(xml, openid="o_retry")["Content"]
    database_outage.up()
    # WeChat's retry of that very message: the stored reply, not a second attempt.
    assert wechat.send(xml, openid="o_retry")["Content"] == first == unavailable_text(app)
    assert consultations(app) == []


def test_unsubscribe_while_down_erases_nothing_rather_than_half(app, wechat, wechat_side, database_outage):
    services = app.extensions["wechat_bot"]
    with app.app_context():
        db = get_session()
        db.add(Consultation(openid="o_leaving", text="我的问题", created_at=datetime.now(UTC)))
        db.commit()
    choices = session_key(services.store, "o_leaving", "choices")
    services.store.redis.set(choices, "idcard-reissue")

    database_outage.down()
    assert wechat.deliver(wechat_side.event("unsubscribe", openid="o_leaving", created=1764000000)).data == b"success"
    database_outage.up()
    assert [(c.openid, c.text) for c in consultations(app)] == [("o_leaving", "我的问题")]
    assert services.store.redis.get(choices) == b"idcard-reissue"

    # The next unsubscribe (WeChat sends one per follow) erases it all.
    assert wechat.deliver(wechat_side.event("unsubscribe", openid="o_leaving", created=1764000100)).data == b"success"
    assert [(c.openid, c.text) for c in consultations(app)] == [(None, ERASED_TEXT)]
    assert services.store.redis.get(choices) is None


def test_cli_says_the_database_cannot_be_reached(app, runner, database_outage):
    from wechat_bot.cli import AppHolder, main

    database_outage.down()
    result = runner.invoke(main, ["notices", "list"], obj=AppHolder(None, app=app))
    assert result.exit_code == 1
    assert "无法连接数据库" in result.output or "无法打开数据库文件" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("broken", ["missing-directory", "not-a-database"])
def test_a_broken_sqlite_file_gets_the_fixed_reply(tmp_path, redis_server, clock, broken):
    """SQLite's other ways of being unusable (no storage test fixture: a file of our own)."""
    from wechat_bot import create_app

    from .conftest import WeChatClient, make_settings
    from .wechat_side import WeChatSide

    if broken == "missing-directory":
        db = tmp_path / "gone" / "bot.sqlite3"
    else:
        db = tmp_path / "bot.sqlite3"
        db.write_bytes(b"this is not an SQLite database at all" * 100)
    app = create_app(settings=make_settings(tmp_path, db), clock=clock, redis_client=redis_server,
                     redis_prefix=f"test-broken-{broken}:")
    try:
        wx = app.extensions["wechat_bot"].settings.wechat
        wechat = WeChatClient(app.test_client(), WeChatSide(wx.token, wx.encoding_aes_key, wx.app_id))
        assert wechat.say(CONSULT) == unavailable_text(app)
        assert wechat.say("身份证丢了怎么办").startswith("【居民身份证")
    finally:
        app.extensions["wechat_bot"].store.clear()
        app.extensions["wechat_bot"].database.dispose()
    if broken == "not-a-database":
        assert db.read_bytes().startswith(b"this is not")


SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "pg_cluster.sh"


@pytest.mark.skipif(not databases.pg_url(), reason=f"PostgreSQL not configured ({databases.PG_URL_ENV})")
def test_the_postgresql_server_stopped_and_started_again(tmp_path, redis_server, clock):
    """A server of its own (scripts/pg_cluster.sh), really shut down and started again:
    the fixed reply while it is down, and service back without restarting the bot."""
    from wechat_bot import create_app

    from .conftest import WeChatClient, make_settings
    from .wechat_side import WeChatSide

    started = subprocess.run(["bash", str(SCRIPT), "start"], capture_output=True, text=True, timeout=120)
    assert started.returncode == 0, started.stderr
    exports = dict(re.findall(r"export (\w+)='([^']*)'", started.stdout))
    cluster = exports["PG_CLUSTER_DIR"]
    app = None
    try:
        server = databases.PgServer(exports[databases.PG_URL_ENV])
        url = server.create("wechat_bot")
        server.dispose()
        app = create_app(settings=make_settings(tmp_path, url), clock=clock, redis_client=redis_server,
                         redis_prefix="test-pg-restart:")
        upgrade(app.extensions["wechat_bot"].database.engine)
        wx = app.extensions["wechat_bot"].settings.wechat
        wechat = WeChatClient(app.test_client(), WeChatSide(wx.token, wx.encoding_aes_key, wx.app_id))
        assert "已收到您的留言" in wechat.say(CONSULT + "（一）")

        subprocess.run(["bash", str(SCRIPT), "pause", cluster], check=True, timeout=120)
        assert wechat.say(CONSULT + "（二）") == unavailable_text(app)
        assert wechat.say("有人在打我").startswith("110！")

        subprocess.run(["bash", str(SCRIPT), "resume", cluster], check=True, timeout=120)
        assert "已收到您的留言" in wechat.say(CONSULT + "（三）")
        # (三) joins the consultation (一) opened; (二), refused during the outage, is nowhere.
        with app.app_context():
            (opened,) = get_session().scalars(select(Consultation)).all()
            assert [m.text for m in opened.messages] == [CONSULT + "（一）", CONSULT + "（三）"]
    finally:
        if app is not None:
            app.extensions["wechat_bot"].store.clear()
            app.extensions["wechat_bot"].database.dispose()
        subprocess.run(["bash", str(SCRIPT), "stop", cluster], timeout=120)
