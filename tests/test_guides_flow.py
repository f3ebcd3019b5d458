"""A citizen's questions through /wechat in safe mode, answered from the guides."""
from __future__ import annotations

from sqlalchemy import select

from wechat_bot.models import Consultation


def consultations(app) -> list[Consultation]:
    with app.app_context():
        from wechat_bot.db import get_session

        return list(get_session().scalars(select(Consultation)))


def test_a_traditional_question_gets_the_right_guide(wechat):
    reply = wechat.say("身份證丟了怎麼補辦")
    assert reply.startswith("【居民身份证丢失补领")
    assert "/g/idcard-reissue" in reply
    assert len(reply.encode("utf-8")) < 2048


def test_two_after_a_numbered_list_gets_the_second_guide(wechat):
    offered = wechat.say("身份证", openid="o_list")
    lines = [line for line in offered.splitlines() if line[:2] in ("1.", "2.", "3.")]
    assert len(lines) >= 2, offered
    second_title = lines[1].split(". ", 1)[1]
    reply = wechat.say("2", openid="o_list")
    assert reply.startswith(f"【{second_title}】")


def test_the_list_belongs_to_the_citizen_it_was_offered_to(wechat):
    wechat.say("身份证", openid="o_first")
    assert "办事指南" in wechat.say("2", openid="o_other")  # no list offered to this one: help


def test_an_emergency_gets_110_first(wechat):
    reply = wechat.say("快来人有人拿刀在砍人")
    assert reply.startswith("110")
    reply = wechat.say("着火了！三楼冒烟")
    assert reply.startswith("119")


def test_an_off_topic_message_gets_the_menu(app, wechat):
    reply = wechat.say("今天天气怎么样")
    assert reply == app.extensions["wechat_bot"].messages.help


def test_asking_for_a_person_creates_one_consultation_even_when_retried(app, wechat, wechat_side):
    xml = wechat_side.text("人工：我上个月交的户口迁移材料办到哪一步了", openid="o_ask", msg_id=31337)
    first = wechat.send(xml, openid="o_ask")["Content"]
    again = wechat.send(xml, openid="o_ask")["Content"]  # WeChat's retry of the same message
    assert first == again
    assert "工作人员" in first
    rows = consultations(app)
    assert len(rows) == 1
    assert rows[0].openid == "o_ask"
    assert rows[0].text.startswith("人工：我上个月交的户口迁移材料")


def test_a_voice_question_is_answered_from_its_recognition(wechat, wechat_side):
    reply = wechat.send(wechat_side.message("voice", MediaId="m", Format="amr", Recognition="护照怎么办理。"))["Content"]
    assert reply.startswith("【普通护照】")


def test_menu_area_lists_every_guide_and_a_number_picks_one(app, wechat, wechat_side):
    listing = wechat.send(wechat_side.event("CLICK", openid="o_menu", EventKey="GUIDES_HUZHENG"), openid="o_menu")["Content"]
    catalogue = app.extensions["wechat_bot"].catalogue
    huzheng = catalogue.by_area("户政")
    assert all(g.title in listing for g in huzheng)
    reply = wechat.say("10", openid="o_menu")
    assert reply.startswith(f"【{huzheng[9].title}】")


def test_latest_news_without_published_notices_says_so(wechat, wechat_side):
    assert "暂时还没有" in wechat.send(wechat_side.event("CLICK", EventKey="NEWS_LATEST"))["Content"]


def test_every_menu_key_has_a_handler(app):
    services = app.extensions["wechat_bot"]
    keys = [sub["key"] for b in services.menu["button"] for sub in b.get("sub_button", [b]) if sub.get("type") == "click"]
    assert keys and all(key in services.router.clicks for key in keys)
