"""The consultation service on its own: kind, working-day targets, what opens one,
the recent-message buffer, the WeChat window, erasing, and the report's figures."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select, text

from wechat_bot.config import ConsultationSettings
from wechat_bot.errors import Invalid
from wechat_bot.models import Consultation, ConsultationMessage, UnansweredQuestion
from wechat_bot.models.consultation import ERASED_TEXT
from wechat_bot.services import citizen_state, consultation_replies, consultations, recent_messages
from wechat_bot.services.consultations import consultation_figures, deadline, guess_kind, is_unanswered_question
from wechat_bot.services.textnorm import normalize

TZ = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(("text", "kind"), [
    ("派出所民警态度很差，我要投诉", "投诉"),
    ("我家老人走失了，求助", "求助"),
    ("建議增加週末辦理身份證的時間", "建议"),  # Traditional Chinese is read too
    ("户口迁移要带什么材料", "咨询"),
])
def test_kind_is_guessed_from_the_words(text, kind):
    assert guess_kind(text) == kind


def test_targets_count_working_days_in_local_time():
    # Friday 2026-11-27 10:00 Beijing: 3 working days → Wednesday 12-02 10:00 Beijing.
    friday = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
    assert deadline(friday, 3, TZ) == datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
    assert deadline(friday, 7, TZ) == datetime(2026, 12, 8, 2, 0, tzinfo=UTC)
    settings = ConsultationSettings()
    assert settings.target_days("咨询") == 3 and settings.target_days("建议") == 3
    assert settings.target_days("投诉") == 7 and settings.target_days("求助") == 7


def answer(kind: str, human: bool = False):
    return SimpleNamespace(kind=kind, wants_human=human, guide_id=None, reply="")


@pytest.mark.parametrize(("text", "kind", "expected"), [
    ("我家门口的路灯坏了好几天了谁来管", "help", True),
    ("你好", "help", False),
    ("谢谢你们", "help", False),
    ("今天天气怎么样", "help", False),
    ("哈", "help", False),
    ("人工", "human", False),              # asks for a person, asks no question
    ("我儿子上周被拘留了什么时候能放出来", "human", True),
    ("身份证丢了怎么办", "guide", False),
])
def test_what_counts_as_a_question_no_guide_answered(text, kind, expected):
    assert is_unanswered_question(answer(kind), text, normalize(text)) is expected


def services_of(app):
    return app.extensions["wechat_bot"]


def test_a_consultation_holds_the_minutes_before_and_later_messages(app, clock):
    svc = services_of(app)
    recent_messages.restore_markers(svc.store, lambda: [])  # the markers are known complete: none open
    keys = iter(range(1, 100))

    def glance(svc, key, text, source):
        """Buffer the message and read the marker, as the webhook does."""
        return citizen_state.glance(svc.store, svc.dedup.pipe, "o_a", message_key=key, text=text, source=source,
                                    now=clock(), want_choices=False).may_be_open

    def take(text, opens=False, source="text"):
        key = str(next(keys))
        may_be_open = glance(svc, key, text, source)
        return may_be_open, consultations.take_message(
            svc.database.sessionmaker, svc.store, openid="o_a", text=text, source=source, now=clock(),
            opens=opens, message_key=key)

    take("很久以前的话")
    clock.advance(minutes=11)
    assert take("身份证丢了在外地能补办吗") == (False, None)
    clock.advance(minutes=1)
    assert take("人工", opens=True)[1] is not None
    clock.advance(minutes=1)
    assert take("补充：我户口在略阳", source="voice")[0] is True  # the marker: a consultation may be open
    # A retried copy of a message is buffered once.
    assert glance(svc, "4", "补充：我户口在略阳", "voice")
    assert [r.text for r in recent_messages.recent(svc.store, "o_a", clock())].count("补充：我户口在略阳") == 1
    with svc.database.sessionmaker() as db:
        (c,) = db.query(Consultation).all()
        assert [(m.text, m.source) for m in c.messages] == [
            ("身份证丢了在外地能补办吗", "text"), ("人工", "text"), ("补充：我户口在略阳", "voice")]
        assert c.text == "身份证丢了在外地能补办吗\n人工"
        assert c.last_citizen_at == clock() and c.status == "open" and c.kind == "咨询"
        # Once it is answered, the next message finds none open and clears the marker.
        consultation_replies.record(db, c.id, by="li", text="已电话答复", via="电话", now=clock())
    assert take("谢谢")[0] is True
    assert take("好的")[0] is False
    # The buffer is under the hashed openid and expires.
    found = [k.decode() for k in svc.store.redis.scan_iter(match=svc.store.prefix + "*recent")]
    assert found and all("o_a" not in k for k in found)
    assert 0 < svc.store.redis.ttl(found[0]) <= 600
    assert recent_messages.recent(svc.store, "o_a", clock() + timedelta(minutes=30)) == []


def make(db, created: datetime, status: str = "open", answered: datetime | None = None, openid: str = "o_x"):
    c = Consultation(openid=openid, text="问题", status=status, created_at=created, answered_at=answered,
                     last_citizen_at=created, replies_in_window=0)
    c.messages.append(ConsultationMessage(direction="in", source="text", text="问题", created_at=created))
    db.add(c)
    db.commit()
    return c


def test_figures_count_the_local_year_of_received(app):
    svc = services_of(app)
    with svc.database.sessionmaker() as db:
        # 2019-12-31 16:30 UTC is 2020-01-01 00:30 in Beijing: a 2020 consultation.
        make(db, datetime(2019, 12, 31, 16, 30, tzinfo=UTC), "answered", datetime(2020, 1, 1, 4, 30, tzinfo=UTC))
        make(db, datetime(2019, 12, 31, 15, 30, tzinfo=UTC), "answered", datetime(2020, 1, 1, 1, 30, tzinfo=UTC))
        make(db, datetime(2020, 6, 1, 2, 0, tzinfo=UTC), "answered", datetime(2020, 6, 2, 0, 0, tzinfo=UTC))
        make(db, datetime(2020, 7, 1, 2, 0, tzinfo=UTC))
        assert consultation_figures(db, 2020, "Asia/Shanghai") == {"received": 3, "answered": 2, "avg_response_hours": 17.0}
        assert consultation_figures(db, 2019, TZ) == {"received": 1, "answered": 1, "avg_response_hours": 10.0}
        assert consultation_figures(db, 2021, TZ) == {"received": 0, "answered": 0, "avg_response_hours": None}


class Gateway:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send_text(self, openid: str, text: str) -> None:
        self.sent.append((openid, text))


def test_the_window_allows_five_replies_within_48_hours_then_refuses(app, clock):
    svc, gateway = services_of(app), Gateway()
    with svc.database.sessionmaker() as db:
        c = make(db, clock())
        for i in range(5):
            consultation_replies.reply(db, gateway, c.id, by="li", text=f"答复{i}", now=clock(), tz=TZ)
        with pytest.raises(consultation_replies.WindowClosed, match="最多回复5条"):
            consultation_replies.reply(db, gateway, c.id, by="li", text="第六条", now=clock(), tz=TZ)
        assert len(gateway.sent) == 5
        db.refresh(c)
        assert c.status == "answered" and c.answer_text == "答复0" and c.answered_via == "微信"

        late = make(db, clock())
        with pytest.raises(consultation_replies.WindowClosed, match="48小时"):
            consultation_replies.reply(db, gateway, late.id, by="li", text="晚了", now=clock() + timedelta(hours=48), tz=TZ)
        assert len(gateway.sent) == 5 and db.get(Consultation, late.id).status == "open"
        with pytest.raises(Invalid, match="答复方式"):
            consultation_replies.record(db, late.id, by="li", text="已电话答复", via="短信", now=clock())
        with pytest.raises(Invalid, match="不能为空"):
            consultation_replies.record(db, late.id, by="li", text="  ", via="电话", now=clock())
        consultation_replies.record(db, late.id, by="li", text="已电话告知办理地点", via="电话", now=clock() + timedelta(hours=50))
        db.refresh(late)
        assert (late.status, late.answered_via, late.answered_by) == ("answered", "电话", "li")
        assert late.messages[-1].direction == "out" and late.messages[-1].source == "电话"


def test_erasing_keeps_rows_and_times_but_no_words_or_openid(app, clock):
    svc = services_of(app)
    with svc.database.sessionmaker() as db:
        mine, other = make(db, clock(), openid="o_gone"), make(db, clock(), openid="o_here")
        assert consultations.erase_for(db, "o_gone") == 1
        db.commit()
        db.refresh(mine)
        db.refresh(other)
        assert mine.openid is None and mine.text == ERASED_TEXT
        assert [m.text for m in mine.messages] == [ERASED_TEXT]
        assert other.openid == "o_here" and other.messages[0].text == "问题"
        assert consultations.count(db) == 2


def test_texts_older_than_keep_days_are_erased(app, clock):
    svc = services_of(app)
    with svc.database.sessionmaker() as db:
        old = make(db, clock() - timedelta(days=181), "answered", clock() - timedelta(days=180))
        recent = make(db, clock() - timedelta(days=179))
        assert consultations.purge_old_texts(db, clock(), 180) == 1
        assert consultations.purge_old_texts(db, clock(), 180) == 0  # already erased
        db.refresh(old)
        db.refresh(recent)
        assert old.text == ERASED_TEXT and old.messages[0].text == ERASED_TEXT and old.status == "answered"
        assert recent.text == "问题"
        assert consultation_figures(db, 2026, TZ)["received"] == 2


def test_unanswered_questions_are_counted_without_openids(app, clock):
    from wechat_bot.services import unanswered

    svc = services_of(app)
    with svc.database.sessionmaker() as db:
        for text in ("路灯坏了谁管", "路灯坏了谁管", "井盖丢了谁管"):
            unanswered.count(db, text, clock())
        db.commit()
        rows = unanswered.most_frequent(db)
        assert [(r.normalised_text, r.count) for r in rows] == [("路灯坏了谁管", 2), ("井盖丢了谁管", 1)]
        assert not hasattr(UnansweredQuestion, "openid")


def test_the_webhooks_bare_connection_records_and_counts_as_a_session_does(app, clock):
    # The webhook records messages on engine.connect (plain statements, no ORM session).
    from wechat_bot.services import unanswered

    svc = services_of(app)
    for who, connect in (("o_session", svc.database.sessionmaker), ("o_connection", svc.database.engine.connect)):
        opened = consultations.take_message(connect, svc.store, openid=who, text="人工 户口迁移的事", source="text",
                                            now=clock(), opens=True, message_key=f"{who}1")
        for n in (2, 3):
            assert consultations.take_message(
                connect, svc.store, openid=who, text="路灯坏了谁管", source="text", now=clock(), opens=False,
                unanswered_text="路灯坏了谁管", message_key=f"{who}{n}") == opened
    with svc.database.sessionmaker() as db:
        assert [(r.normalised_text, r.count) for r in unanswered.most_frequent(db)] == [("路灯坏了谁管", 4)]
        for who in ("o_session", "o_connection"):
            texts = [m.text for m in db.scalars(select(Consultation).where(Consultation.openid == who)).one().messages]
            assert texts == ["人工 户口迁移的事", "路灯坏了谁管", "路灯坏了谁管"]


def test_a_later_message_reopens_the_window_and_may_change_the_guessed_kind_but_not_staffs(app, clock):
    svc = services_of(app)

    def take(text, opens=False):
        return consultations.take_message(svc.database.sessionmaker, svc.store, openid="o_k", text=text,
                                          source="text", now=clock(), opens=opens, message_key=text)

    opened = take("人工", opens=True)
    with svc.database.sessionmaker() as db:
        db.get(Consultation, opened).replies_in_window = 3  # staff have replied three times
        db.commit()
    clock.advance(minutes=5)
    assert take("我要投诉你们窗口态度差") == opened
    with svc.database.sessionmaker() as db:
        c = db.get(Consultation, opened)
        assert (c.kind, c.replies_in_window, c.last_citizen_at) == ("投诉", 0, clock())
        assert [m.text for m in c.messages] == ["人工", "我要投诉你们窗口态度差"]
        consultations.set_kind(db, opened, "求助", "li")
        db.commit()
    take("还是没人管")
    with svc.database.sessionmaker() as db:
        assert db.get(Consultation, opened).kind == "求助"


def test_set_kind_checks_the_value(app, clock):
    svc = services_of(app)
    with svc.database.sessionmaker() as db:
        c = make(db, clock())
        with pytest.raises(Invalid):
            consultations.set_kind(db, c.id, "闲聊", "li")
        consultations.set_kind(db, c.id, "求助", "li")
        assert db.get(Consultation, c.id).kind_by == "li"


def test_settings_are_validated(tmp_path):
    from wechat_bot.config import ConfigError, load_settings

    def load(**values):
        return load_settings(None, overrides={"consultations": values}, environ={}, instance_path=tmp_path)

    assert load().consultations.keep_days == 180
    assert load(keep_days=30, target_days_complaint=10).consultations.target_days("投诉") == 10
    with pytest.raises(ConfigError, match="consultations.keep_days"):
        load(keep_days=1)
    with pytest.raises(ConfigError, match="consultations.target_days_help"):
        load(target_days_help=0)
    with pytest.raises(ConfigError, match="consultations.reply_days"):
        load(reply_days=3)


def test_finding_a_citizens_open_consultation_does_not_read_every_open_one(app, db_backend):
    """Each message from a citizen looks up their open consultation. With thousands of
    consultations open (nobody has answered yet), that must be a look-up by the citizen,
    not a walk through the status index's one value "open" (SQLite picked that without a
    composite index: every message then cost time in proportion to the open backlog)."""
    engine = services_of(app).database.engine
    at = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(insert(Consultation.__table__), [
            {"openid": f"o_{i}", "text": "问题", "channel": "wechat", "status": "open", "created_at": at,
             "kind": "咨询", "replies_in_window": 0} for i in range(3000)])
        if db_backend == "postgresql":
            conn.execute(text("ANALYZE"))  # autovacuum's job on a server; nothing runs it on SQLite
        query = consultations._statements()[0].params(openid="o_7")
        sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
        explain = "EXPLAIN QUERY PLAN " if db_backend == "sqlite" else "EXPLAIN "
        plan = " ".join(str(row[-1]) for row in conn.execute(text(explain + sql)))
    assert "openid" in plan, plan


def test_after_a_database_failure_the_markers_are_not_restored_again_at_once(app, caplog):
    """Markers untrusted and the database unreachable: each try could cost the connect
    timeout, so one failure makes the next tries wait; meanwhile the marker counts as Redis has it."""
    from sqlalchemy.exc import OperationalError

    svc = services_of(app)
    now = [100.0]
    tries = []

    def unreachable():
        tries.append(now[0])
        raise OperationalError("SELECT 1", {}, Exception("timeout expired"))

    restorer = consultations.MarkerRestorer(svc.store, unreachable, retry_after=30, clock=lambda: now[0])
    assert restorer.may_be_open("o_a", marked=False) is False
    now[0] += 29
    assert restorer.may_be_open("o_a", marked=True) is True
    assert restorer.may_be_open("o_b", marked=False) is False
    assert tries == [100.0]
    assert sum("markers not restored" in r.getMessage() for r in caplog.records) == 1
    now[0] += 2
    restorer.may_be_open("o_a", marked=False)
    assert tries == [100.0, 131.0]
    # The database back: the markers are restored, and tell this citizen has none open.
    working = consultations.MarkerRestorer(svc.store, svc.database.sessionmaker)
    assert working.may_be_open("o_a", marked=True) is False
    assert svc.store.redis.exists(recent_messages.markers_complete_key(svc.store))
