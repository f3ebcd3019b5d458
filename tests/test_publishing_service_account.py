"""服务号: four mass sends to all followers per local month; the fifth bundle waits for the next month."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from .publishing_support import add_approved, notice_states, sweep


@pytest.fixture
def settings_overrides():
    return {"wechat": {"account_type": "service"}}


def test_four_sends_a_month_then_the_next_month(app, clock):
    services = app.extensions["wechat_bot"]
    tz = services.settings.tz
    ids = []
    for day in range(5):  # 25–29 November, one notice a day
        ids.append(add_approved(app, f"服务号通报{day}", clock.now))
        sweep(app)
        clock.advance(days=1)
    states = notice_states(app)
    assert [states[i] for i in ids] == ["published"] * 4 + ["approved"]
    clock.now = datetime(2026, 11, 30, 23, 59, tzinfo=tz)
    assert sweep(app).published == []
    clock.now = datetime(2026, 12, 1, 0, 0, 30, tzinfo=tz)
    assert sweep(app).published == [ids[4]]
    sends = [a for a in services.simulator.published_articles() if a["kind"] == "mass"]
    assert len(sends) == 5
    assert sends[-1]["submitted_at"] - sends[-2]["submitted_at"] > timedelta(days=1)


def test_two_bundles_finishing_in_the_same_second_both_fill_their_posts(app, clock):
    from sqlalchemy import select

    from wechat_bot.db import get_session
    from wechat_bot.models.post import Post

    for i in range(10):  # two bundles (8 + 2) in one sweep: a 服务号 has four sends a month
        add_approved(app, f"同批通报{i}", clock.now - timedelta(minutes=10 - i))
    assert len(sweep(app).published) == 10
    services = app.extensions["wechat_bot"]
    assert services.simulator.complete_jobs() == 2  # both MASSSENDJOBFINISH share sender and CreateTime
    with app.app_context():
        rows = list(get_session().scalars(select(Post)))
    assert len(rows) == 10 and all(p.sent_count == 1000 and p.url for p in rows)
