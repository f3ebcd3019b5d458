"""The post log records each publication once, in the bureau's year."""
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from wechat_bot.db import get_session
from wechat_bot.models import Post
from wechat_bot.services import posts

TZ = ZoneInfo("Asia/Shanghai")


def test_a_post_just_after_midnight_in_beijing_belongs_to_the_new_year():
    assert posts.local_year(datetime(2019, 12, 31, 16, 10, tzinfo=UTC), TZ) == 2020
    assert posts.local_year(datetime(2019, 12, 31, 15, 59, tzinfo=UTC), TZ) == 2019


def test_the_same_row_in_utc_or_local_time_has_one_key():
    utc = posts.dedup_key(channel="website", published_at=datetime(2019, 1, 1, tzinfo=UTC), title="通告  一")
    local = posts.dedup_key(channel="website", published_at=datetime(2019, 1, 1, 8, tzinfo=TZ), title="通告 一")
    assert utc == local
    assert posts.dedup_key(channel="weibo", published_at=datetime(2019, 1, 1, tzinfo=UTC), title="通告 一") != utc


def test_recording_twice_adds_one_row(app):
    with app.app_context():
        session = get_session()
        when = datetime(2019, 12, 31, 16, 10, tzinfo=UTC)
        first, created = posts.record(session, tz=TZ, channel="website", category="overview", title="机构概况",
                                      published_at=when, source="import", external_id="W-1")
        again, created_again = posts.record(session, tz=TZ, channel="website", category="overview",
                                            title="改过的标题", published_at=when, source="import", external_id="W-1")
        session.commit()
        assert created and not created_again and again.id == first.id
        assert first.local_year == 2020
        assert session.scalar(select(func.count()).select_from(Post)) == 1
