"""What a citizen gets for each kind of message, through /wechat in safe mode."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from wechat_bot.models import Consultation
from wechat_bot.services.subscribers import ERASED_TEXT, session_key


def test_subscribe_gets_the_welcome_text(wechat, wechat_side):
    reply = wechat.send(wechat_side.event("subscribe", openid="o_new"), openid="o_new")
    assert "欢迎关注「略阳公安」" in reply["Content"]
    assert "110" in reply["Content"]


def test_subscribe_by_qr_scene_is_welcomed_too(wechat, wechat_side):
    reply = wechat.send(wechat_side.event("subscribe", openid="o_qr", EventKey="qrscene_hall"), openid="o_qr")
    assert "欢迎关注" in reply["Content"]


def test_unsubscribe_erases_the_users_data_and_keeps_counts(app, wechat, wechat_side):
    services = app.extensions["wechat_bot"]
    with app.app_context():
        from wechat_bot.db import get_session

        db = get_session()
        db.add(Consultation(openid="o_leaving", text="我的户口迁移办到哪一步了", created_at=datetime.now(UTC)))
        db.add(Consultation(openid="o_staying", text="另一个问题", created_at=datetime.now(UTC)))
        db.commit()
    services.store.redis.set(session_key(services.store, "o_leaving", "choices"), "idcard-reissue")
    assert wechat.deliver(wechat_side.event("unsubscribe", openid="o_leaving")).data == b"success"
    with app.app_context():
        from wechat_bot.db import get_session

        rows = get_session().scalars(select(Consultation).order_by(Consultation.id)).all()
    assert [r.openid for r in rows] == [None, "o_staying"]
    assert rows[0].text == ERASED_TEXT
    assert rows[1].text == "另一个问题"
    assert services.store.redis.get(session_key(services.store, "o_leaving", "choices")) is None


def test_voice_with_recognition_is_answered_like_text(wechat, wechat_side):
    by_voice = wechat.send(
        wechat_side.message("voice", MediaId="m1", Format="amr", Recognition="你好"),
    )
    by_text = wechat.send(wechat_side.text("你好"))
    assert by_voice["Content"] == by_text["Content"]


def test_voice_without_recognition_asks_for_text(wechat, wechat_side):
    reply = wechat.send(wechat_side.message("voice", MediaId="m1", Format="amr"))
    assert "语音" in reply["Content"]
    assert "文字" in reply["Content"]


def test_image_location_and_link_get_a_polite_reply(wechat, wechat_side):
    samples = {
        "图片": wechat_side.message("image", PicUrl="http://example.invalid/p.jpg", MediaId="m2"),
        "位置": wechat_side.message("location", Location_X="33.33", Location_Y="106.15", Scale="15", Label="略阳县"),
        "链接": wechat_side.message("link", Title="t", Description="d", Url="http://example.invalid"),
    }
    for kind, xml in samples.items():
        content = wechat.send(xml)["Content"]
        assert f"收到您发来的{kind}" in content
        assert "110" in content


def test_menu_clicks_are_dispatched_by_key(wechat, wechat_side):
    assert wechat.send(wechat_side.event("CLICK", EventKey="EMERGENCY"))["Content"].startswith("【紧急求助】")
    assert "办公时间" in wechat.send(wechat_side.event("CLICK", EventKey="CONTACT"))["Content"]
    assert "人工" in wechat.send(wechat_side.event("CLICK", EventKey="CONSULT"))["Content"]


def test_a_stale_menu_key_gets_the_help_menu(wechat, wechat_side):
    assert "办事指南" in wechat.send(wechat_side.event("CLICK", EventKey="REMOVED_LONG_AGO"))["Content"]


def test_view_event_answers_success(wechat, wechat_side):
    assert wechat.deliver(wechat_side.event("VIEW", EventKey="http://example.invalid")).data == b"success"


def test_text_reply_fits_wechats_limit(wechat, wechat_side):
    assert len(wechat.say("你好").encode("utf-8")) < 2048
