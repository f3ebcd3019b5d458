"""[publish] mode = "publish": freepublish/submit, followed by freepublish/get and PUBLISHJOBFINISH."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from wechat_bot.db import get_session
from wechat_bot.models.post import Post
from wechat_bot.models.publish import PublishBundle

from .publishing_support import add_approved, notice_states, sweep


@pytest.fixture
def settings_overrides():
    return {"publish": {"mode": "publish"}}


def sim(app):
    services = app.extensions["wechat_bot"]
    services.gateway  # noqa: B018
    return services.simulator


def rows(app, model):
    with app.app_context():
        return list(get_session().scalars(select(model)))


def test_submitted_then_settled_by_the_event(app, clock):
    notice = add_approved(app, "发布模式通报", clock.now)
    report = sweep(app)
    assert report.published == [] and notice_states(app)[notice] == "publishing"
    [bundle] = rows(app, PublishBundle)
    assert bundle.state == "submitted" and bundle.publish_id and bundle.slot is None  # no mass quota used
    sim(app).complete_jobs()  # PUBLISHJOBFINISH reaches /wechat
    assert notice_states(app)[notice] == "published"
    [post] = rows(app, Post)
    assert post.publish_id == bundle.publish_id and post.url.startswith("http://mp.weixin.qq.com/s?")
    assert post.article_id
    clock.advance(seconds=30)
    sweep(app)
    assert len(sim(app).calls("freepublish/submit")) == 1


def test_settled_by_polling_when_the_event_is_lost(app, clock):
    notice = add_approved(app, "事件丢失", clock.now)
    sweep(app)
    s = sim(app)
    s.push = None  # the developer URL is down: the event never arrives
    s.complete_jobs()
    clock.advance(seconds=30)
    assert sweep(app).published == [notice]
    [post] = rows(app, Post)
    assert post.url


def test_rejected_by_review_fails_with_the_reason(app, clock):
    notice = add_approved(app, "审核不通过", clock.now)
    sweep(app)
    sim(app).fail_next_job("publish", 4)
    sim(app).complete_jobs()
    assert notice_states(app)[notice] == "failed"
    assert rows(app, Post) == []


def test_an_unknown_submit_outcome_is_not_retried_blindly(app, clock):
    notice = add_approved(app, "结果未知", clock.now)
    sim(app).inject("freepublish/submit", -1, times=1, after=True)
    report = sweep(app)
    assert report.failed == [notice]
    assert len(sim(app).calls("freepublish/submit")) == 1
    with app.app_context():
        from wechat_bot.models.notice import Notice

        assert "核对" in get_session().get(Notice, notice).failure_reason
