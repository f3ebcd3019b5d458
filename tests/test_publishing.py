"""The publishing sweep against the simulator: bundling, quotas, faults, crashes, two sweepers."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from wechat_bot import create_app
from wechat_bot.db import get_session
from wechat_bot.models.post import Post
from wechat_bot.models.publish import PublishBundle
from wechat_bot.services.publishing import Crash

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


def posts(app):
    with app.app_context():
        return list(get_session().scalars(select(Post).order_by(Post.id)))


def bundles(app):
    with app.app_context():
        return list(get_session().scalars(select(PublishBundle).order_by(PublishBundle.id)))


def test_the_mass_send_job_event_fills_counts_and_article_urls(app, clock):
    notice = add_approved(app, "防范电信诈骗提醒", clock.now)
    sweep(app)
    assert sim(app).complete_jobs() == 1  # WeChat finishes the job and pushes MASSSENDJOBFINISH to /wechat
    [post] = posts(app)
    assert post.notice_id == notice
    assert (post.total_count, post.filter_count, post.sent_count, post.error_count) == (1000, 1000, 1000, 0)
    assert post.url.startswith("http://mp.weixin.qq.com/s?") and "idx=1" in post.url
    assert bundles(app)[0].state == "done"


def test_a_failed_mass_job_fails_its_notices_and_leaves_no_post(app, clock):
    notice = add_approved(app, "失败的群发", clock.now)
    sweep(app)
    sim(app).fail_next_job("mass")
    sim(app).complete_jobs()
    assert notice_states(app)[notice] == "failed"
    assert posts(app) == []
    with app.app_context():
        from wechat_bot.models.notice import Notice

        assert "群发任务失败" in get_session().get(Notice, notice).failure_reason


def test_subscription_quota_one_send_a_day_the_rest_waits_for_the_next_day(app, clock):
    # 02:00 UTC = 10:00 in Shanghai
    morning = add_approved(app, "上午的通报", clock.now)
    sweep(app)
    clock.advance(hours=5)  # 15:00 local: today's one send is used
    afternoon = add_approved(app, "下午的通报", clock.now)
    report = sweep(app)
    assert report.published == [] and notice_states(app)[afternoon] == "approved"
    assert len(mass_sends(app)) == 1
    clock.advance(hours=8, minutes=59)  # 23:59 local: still the same day
    assert sweep(app).published == []
    clock.advance(minutes=1, seconds=30)  # 00:00:30 local, next day: the next slot
    assert sweep(app).published == [afternoon]
    assert notice_states(app)[morning] == "published"
    days = [a["submitted_at"].astimezone(app.extensions["wechat_bot"].settings.tz).date() for a in mass_sends(app)]
    assert len(days) == 2 and days[0] != days[1]


def test_more_than_eight_due_notices_make_bundles_of_eight(app, clock):
    ids = [add_approved(app, f"通报{i:02d}", clock.now - timedelta(minutes=20 - i)) for i in range(10)]
    sweep(app)
    sends = mass_sends(app)
    assert len(sends) == 1 and len(sends[0]["articles"]) == 8
    assert [a["title"] for a in sends[0]["articles"]] == [f"通报{i:02d}" for i in range(8)]
    clock.advance(days=1)
    sweep(app)
    assert [len(s["articles"]) for s in mass_sends(app)] == [8, 2]
    assert set(notice_states(app)[i] for i in ids) == {"published"}


def test_45028_from_wechat_waits_for_the_next_slot_and_fails_nothing(app, clock):
    notice = add_approved(app, "配额用完时的通报", clock.now)
    sim(app).inject("message/mass/sendall", 45028, times=1)  # e.g. someone used today's send in the web console
    report = sweep(app)
    assert report.published == [] and notice_states(app)[notice] == "publishing"
    [bundle] = bundles(app)
    tz = app.extensions["wechat_bot"].settings.tz
    assert bundle.next_attempt_at.astimezone(tz).strftime("%H:%M") == "00:00"
    clock.advance(hours=1)
    assert sweep(app).published == []  # waits, does not hammer WeChat
    clock.advance(hours=13)  # past local midnight
    assert sweep(app).published == [notice]
    assert len(mass_sends(app)) == 1


def test_cover_is_uploaded_once_as_thumb_and_once_for_the_body(app, clock):
    from .simulator.conftest import jpeg

    cover = jpeg()
    add_approved(app, "带封面的通报一", clock.now, cover=cover)
    sweep(app)
    clock.advance(days=1)
    add_approved(app, "带封面的通报二", clock.now, cover=cover)
    sweep(app)
    s = sim(app)
    assert len(s.calls("material/add_material")) == 1  # media_id reused while the cover is unchanged
    assert len(s.calls("media/uploadimg")) == 1
    drafts = s.calls("draft/add")
    assert all("<img src=\"http://mmbiz.qpic.cn/" in c.body["articles"][0]["content"] for c in drafts)
    thumbs = {c.body["articles"][0]["thumb_media_id"] for c in drafts}
    assert len(thumbs) == 1


def test_content_errors_fail_with_a_chinese_reason_and_an_admin_can_retry(app, clock):
    from wechat_bot.models.notice import Notice
    from wechat_bot.services import publishing_events
    from wechat_bot.services.users import create_user

    notice = add_approved(app, "含外链的通报", clock.now)
    sim(app).inject("draft/add", 45166, times=1)
    report = sweep(app)
    assert report.failed == [notice]
    with app.app_context():
        session = get_session()
        row = session.get(Notice, notice)
        assert row.state == "failed" and "不支持的内容" in row.failure_reason
        admin = create_user(session, "boss", "admin", "correct-horse-1", clock(), display_name="管理员")
        publishing_events.retry(session, row, admin, clock())
    assert bundles(app)[0].slot is None  # nothing was sent: the day's slot was given back
    assert sweep(app).published == [notice]
    assert len(mass_sends(app)) == 1


def test_permission_error_48001_fails_without_retrying(app, clock):
    notice = add_approved(app, "无权限", clock.now)
    sim(app).inject("message/mass/sendall", 48001, times=1)
    sweep(app)
    assert notice_states(app)[notice] == "failed"
    assert len(sim(app).calls("message/mass/sendall")) == 1


# -- exactly once when things break ------------------------------------------------------


def restarted(app, clock):
    """Another process on the same database and Redis (a restarted or second scheduler)."""
    services = app.extensions["wechat_bot"]
    other = create_app(settings=services.settings, clock=clock, redis_client=services.store.redis,
                       redis_prefix=services.store.prefix)
    other.config["TESTING"] = True
    return other


def crash_at(point):
    def hook(bundle):
        raise Crash(point)
    return {point: hook}


@pytest.mark.parametrize("point", ["after_draft", "after_send"])
def test_killed_between_steps_then_restarted_publishes_exactly_once(app, clock, point):
    notice = add_approved(app, "崩溃测试通报", clock.now)
    with pytest.raises(Crash):
        sweep(app, hooks=crash_at(point))
    assert notice_states(app)[notice] == "publishing"
    assert len(mass_sends(app)) == (1 if point == "after_send" else 0)
    clock.advance(minutes=2)  # the restarted scheduler comes up later; the dead one's bundle lock has lapsed
    fresh = restarted(app, clock)
    report = sweep(fresh)
    assert report.published == [notice]
    assert len(mass_sends(app)) == 1  # the simulator's record: one push
    assert len(posts(app)) == 1
    if point == "after_send":  # the repeat was answered 45065 with the existing msg_id
        codes = [c.errcode for c in sim(app).calls("message/mass/sendall")]
        assert codes == [0, 45065]
        assert posts(app)[0].msg_id == str(mass_sends(app)[0]["id"])


def test_a_lost_answer_to_sendall_is_settled_by_45065_not_a_second_push(app, clock):
    notice = add_approved(app, "应答丢失", clock.now)
    sim(app).inject("message/mass/sendall", -1, times=1, after=True)  # sent, but the answer says "busy"
    assert sweep(app).published == [notice]
    assert len(mass_sends(app)) == 1
    assert [c.errcode for c in sim(app).calls("message/mass/sendall")] == [-1, 45065]


def test_timeouts_are_retried_with_the_same_clientmsgid(app, clock):
    from wechat_bot.wechat_api import WeChatGateway

    services = app.extensions["wechat_bot"]
    base = services.gateway._base
    quick = WeChatGateway(services.settings.wechat.app_id, services.settings.wechat.app_secret,
                          redis=services.store.redis, key_prefix=services.store.prefix, api_base_url=base,
                          timeout=0.2)
    notice = add_approved(app, "超时", clock.now)
    sim(app).inject("message/mass/sendall", None, times=1, delay=0.4)  # WeChat sends, we time out
    sim(app).inject("draft/add", None, times=1, delay=0.4)
    report = sweep(app, gateway=quick)
    assert report.published == [notice] and report.retries == 2
    assert len(mass_sends(app)) == 1


def test_transient_errors_back_off_without_blocking_later_bundles(app, clock):
    first = add_approved(app, "重试中的通报", clock.now)
    sim(app).inject("draft/add", -1, times=6)  # the gateway retries -1 once itself: 3 tries in this sweep
    report = sweep(app)
    assert report.retries == 3 and report.published == []
    [bundle] = bundles(app)
    assert bundle.state == "claimed" and bundle.next_attempt_at > clock.now
    assert notice_states(app)[first] == "publishing"
    clock.advance(seconds=30)
    if bundle.next_attempt_at > clock.now:  # jittered backoff not over yet: the sweep leaves it alone
        assert sweep(app).retries == 0
        clock.advance(seconds=30)
    assert sweep(app).published == [first]


def test_two_schedulers_sweeping_at_once_publish_each_notice_once(app, clock):
    ids = [add_approved(app, f"并发通报{i}", clock.now - timedelta(minutes=i)) for i in range(5)]
    apps = [app, restarted(app, clock)]
    for each in apps:
        each.extensions["wechat_bot"].gateway  # noqa: B018 - both processes have their simulator up
    barrier = threading.Barrier(2)
    reports, errors = [], []

    def run(each):
        try:
            barrier.wait()
            reports.append(sweep(each))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(each,)) for each in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    published = [i for r in reports for i in r.published]
    assert sorted(published) == sorted(ids)
    assert len(mass_sends(app)) == 1
    assert len(posts(app)) == 5
    assert sum(1 for b in bundles(app) if b.slot) == 1

