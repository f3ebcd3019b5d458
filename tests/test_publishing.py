"""The publishing sweep against the simulator: bundling, quotas, faults, crashes, two sweepers."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from wechat_bot.db import get_session
from wechat_bot.models.post import Post
from wechat_bot.models.publish import PublishBundle

from .publishing_support import add_approved, notice_states, sweep


def sim(app):
    services = app.extensions["wechat_bot"]
    services.gateway  # noqa: B018 - starts the simulator
    return services.simulator


def mass_sends(app):
    return [a for a in sim(app).published_articles() if a["kind"] == "mass"]


def test_due_notices_go_out_as_one_bundle_and_are_logged(app, clock):
    first = add_approved(app, "冬季防火提示", clock.now)
    second = add_approved(app, "交通管制通告", clock.now - timedelta(minutes=5))
    later = add_approved(app, "明天的通报", clock.now + timedelta(days=1))
    report = sweep(app)
    assert sorted(report.published) == sorted([first, second])
    sends = mass_sends(app)
    assert len(sends) == 1
    assert [a["title"] for a in sends[0]["articles"]] == ["交通管制通告", "冬季防火提示"]  # oldest first
    states = notice_states(app)
    assert states[first] == states[second] == "published" and states[later] == "approved"
    with app.app_context():
        rows = get_session().scalars(select(Post).order_by(Post.article_index)).all()
        assert [(p.notice_id, p.article_index, p.channel, p.original) for p in rows] == [
            (second, 0, "wechat", True), (first, 1, "wechat", True)]
        assert rows[0].msg_id and rows[0].local_year == 2026
