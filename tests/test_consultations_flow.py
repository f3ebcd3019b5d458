"""The consultation journey through /wechat (safe mode) and the console: the question
before "人工" is kept, retries open one consultation, staff reply through the
simulator's customer-service API inside the window, and record another way after it."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from schedules.jobs import purge_consultation_texts
from wechat_bot.models import Consultation, UnansweredQuestion
from wechat_bot.models.consultation import ERASED_TEXT
from wechat_bot.services.identity import hash_openid

from .notices_support import fast_password_hashing, make_staff  # noqa: F401
from .test_console import Console

QUESTION = "身份证丢了在外地能补办吗"


def rows(app) -> list[Consultation]:
    with app.extensions["wechat_bot"].database.sessionmaker() as db:
        found = list(db.scalars(select(Consultation).order_by(Consultation.id)))
        for c in found:
            list(c.messages)  # load them before the session closes
        return found


@pytest.fixture
def console(app, client):
    make_staff(app)
    c = Console(client)
    c.login("li")
    return c


def test_question_then_human_opens_one_consultation_holding_the_question(app, wechat, wechat_side, clock):
    guide_reply = wechat.say(QUESTION)
    assert "身份证" in guide_reply
    clock.advance(minutes=2)
    xml = wechat_side.text("人工", msg_id=777001)
    first = wechat.send(xml)["Content"]
    again = wechat.send(xml)["Content"]  # WeChat's retry of the same message
    assert first == again
    assert "工作人员在后台逐条查看留言" in first and "48小时" in first and "110" in first
    (c,) = rows(app)
    assert [m.text for m in c.messages] == [QUESTION, "人工"]
    assert c.status == "open" and c.openid == "o_citizen_1" and c.created_at == clock()
    # What they send while it is open joins it, voice included.
    clock.advance(minutes=5)
    wechat.send(wechat_side.message("voice", MediaId="m9", Format="amr", Recognition="我的户口在略阳县"))
    wechat.say("人工")  # asking again opens nothing new
    (c,) = rows(app)
    assert [(m.text, m.source) for m in c.messages][2:] == [("我的户口在略阳县", "voice"), ("人工", "text")]
    assert c.last_citizen_at == clock()


def test_a_question_no_guide_answers_opens_one_and_is_counted_without_openid(app, wechat, console):
    reply = wechat.say("我家门口的路灯坏了好几天了谁来管", openid="o_lamp")
    assert "已收到您的留言" in reply
    wechat.say("你好", openid="o_other")
    wechat.say("谢谢", openid="o_other")
    wechat.say("我家门口的路灯坏了好几天了谁来管", openid="o_lamp2")
    assert [c.openid for c in rows(app)] == ["o_lamp", "o_lamp2"]
    with app.extensions["wechat_bot"].database.sessionmaker() as db:
        counted = [(q.normalised_text, q.count) for q in db.scalars(select(UnansweredQuestion))]
    assert counted == [("我家门口的路灯坏了好几天了谁来管", 2)]
    page = console.text("/console/consultations/unanswered")
    assert "我家门口的路灯坏了好几天了谁来管" in page
    assert "o_lamp" not in page and "o_other" not in page and "你好" not in page


def test_inbox_lists_open_first_oldest_first_with_time_left_and_overdue(app, wechat, console, clock):
    wechat.say("人工：我的户口迁移办到哪一步了", openid="o_first")
    clock.advance(days=6)
    wechat.say("人工：无犯罪证明开好了没", openid="o_second")
    page = console.text("/console/consultations")
    assert page.index("我的户口迁移办到哪一步了") < page.index("无犯罪证明开好了没")
    assert "已超期" in page and "剩余" in page
    dashboard = console.text("/console/")
    assert "待办理 <b>2</b> 条" in dashboard and "其中已超期 1 条" in dashboard


def test_staff_reply_reaches_the_citizen_through_the_simulator(app, wechat, console, clock):
    services = app.extensions["wechat_bot"]
    wechat.say(QUESTION, openid="o_ask")
    wechat.say("人工", openid="o_ask")
    services.simulator.record_user_message("o_ask")  # the simulated WeChat saw the citizen write
    (c,) = rows(app)
    page = console.text(f"/console/consultations/{c.id}")
    assert QUESTION in page and "通过微信答复" in page
    clock.advance(hours=3)
    response = console.post(f"/console/consultations/{c.id}/reply", {"text": "您好，可在略阳县任一派出所补办。"})
    assert response.status_code == 302
    assert [m["content"] for m in services.simulator.sent_messages("o_ask")] == ["您好，可在略阳县任一派出所补办。"]
    (c,) = rows(app)
    assert (c.status, c.answered_by, c.answered_via) == ("answered", "li", "微信")
    assert c.answered_at - c.created_at == timedelta(hours=3)


def test_after_48_hours_the_reply_is_refused_and_recorded_another_way(app, wechat, console, clock):
    services = app.extensions["wechat_bot"]
    wechat.say("人工：我的驾驶证扣分有误", openid="o_late")
    services.simulator.record_user_message("o_late")
    (c,) = rows(app)
    clock.advance(hours=49)
    page = console.text(f"/console/consultations/{c.id}")
    assert "无法再通过微信答复" in page and "微信回复时限已过" in page
    refused = console.post(f"/console/consultations/{c.id}/reply", {"text": "您好"})
    assert refused.status_code == 400 and "微信回复时限已过" in refused.get_data(as_text=True)
    assert services.simulator.sent_messages("o_late") == []
    assert rows(app)[0].status == "open"
    done = console.post(f"/console/consultations/{c.id}/record", {"text": "已电话联系，告知到交警队核实", "via": "电话"})
    assert done.status_code == 302
    (c,) = rows(app)
    assert (c.status, c.answered_via) == ("answered", "电话")
    assert c.answered_at - c.created_at == timedelta(hours=49)


def test_staff_correct_the_kind(app, wechat, console):
    wechat.say("人工：我想咨询一下", openid="o_kind")
    (c,) = rows(app)
    assert c.kind == "咨询"
    console.post(f"/console/consultations/{c.id}/kind", {"kind": "投诉"})
    assert rows(app)[0].kind == "投诉" and rows(app)[0].kind_by == "li"
    assert console.post(f"/console/consultations/{c.id}/kind", {"kind": "别的"}).status_code == 400


def test_unsubscribe_erases_openid_and_texts_but_keeps_the_count(app, wechat, wechat_side):
    wechat.say(QUESTION, openid="o_bye")
    wechat.say("人工", openid="o_bye")
    wechat.say("人工：别的问题", openid="o_stay")
    assert wechat.deliver(wechat_side.event("unsubscribe", openid="o_bye")).data == b"success"
    gone, stays = rows(app)
    assert gone.openid is None and gone.text == ERASED_TEXT
    assert {m.text for m in gone.messages} == {ERASED_TEXT}
    assert stays.openid == "o_stay" and stays.messages[0].text == "人工：别的问题"
    services = app.extensions["wechat_bot"]
    assert not list(services.store.redis.scan_iter(match=f"{services.store.prefix}session:{hash_openid('o_bye')}:*"))
    assert list(services.store.redis.scan_iter(match=f"{services.store.prefix}session:{hash_openid('o_stay')}:*"))


def test_the_daily_job_erases_texts_older_than_keep_days(app, wechat, clock):
    wechat.say("人工：很早以前的问题", openid="o_old")
    clock.advance(days=100)
    wechat.say("人工：最近的问题", openid="o_new")
    clock.advance(days=81)
    assert purge_consultation_texts(app) == 1
    old, new = rows(app)
    assert old.text == ERASED_TEXT and new.text == "人工：最近的问题"


@pytest.mark.parametrize("text", ["人工", "我家门口的路灯坏了好几天了谁来管", "你好", "谢谢"])
def test_guides_ask_gives_the_reply_the_webhook_gives(app, runner, wechat, text):
    from wechat_bot.cli import AppHolder, main

    result = runner.invoke(main, ["guides", "ask", text, "--json"], obj=AppHolder(None, app=app))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["reply"] == wechat.say(text, openid="o_same")


def test_the_consult_menu_button_tells_the_truth(wechat, wechat_side):
    text = wechat.send(wechat_side.event("CLICK", EventKey="CONSULT"))["Content"]
    assert "48小时" in text and "一般不超过 48 小时" not in text


def test_a_question_a_guide_answers_takes_no_dedup_claim_but_an_open_consultation_does(app, wechat):
    services = app.extensions["wechat_bot"]

    def claims() -> int:
        return len(list(services.store.redis.scan_iter(match=services.store.prefix + "dedup:*")))

    wechat.say(QUESTION, openid="o_fast")
    assert claims() == 0  # the busiest path: buffered in one idempotent write, no claim
    wechat.say("人工", openid="o_fast")
    assert claims() == 1
    wechat.say("身份证丢了怎么办", openid="o_fast")  # joins the open consultation: a claimed side effect
    assert claims() == 2
    assert [m.text for m in rows(app)[0].messages] == [QUESTION, "人工", "身份证丢了怎么办"]


def test_a_new_consultation_does_not_repeat_the_previous_ones_messages(app, wechat, console, clock):
    wechat.say(QUESTION, openid="o_twice")
    wechat.say("人工", openid="o_twice")
    first = rows(app)[0]
    console.post(f"/console/consultations/{first.id}/record", {"text": "已当面答复", "via": "当面"})
    clock.advance(minutes=3)
    wechat.say("人工：另外，护照多久能办好", openid="o_twice")
    _, second = rows(app)
    assert [m.text for m in second.messages] == ["人工：另外，护照多久能办好"]
    assert second.status == "open"
