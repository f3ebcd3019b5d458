"""Where SQLite and PostgreSQL differ by default, the bot behaves the same on both:
search ignores Latin case (SQLite's LIKE does, PostgreSQL's does not) and takes
% and _ literally; an id beyond the column's range is "not found" (PostgreSQL's
integer is 32-bit, SQLite's 64-bit, and each fails differently beyond it)."""
from __future__ import annotations

import pytest

from wechat_bot.db import get_session
from wechat_bot.errors import NotFound
from wechat_bot.models import User
from wechat_bot.services.notice_queries import list_notices
from wechat_bot.services.notices import NoticeWorkflow, get_notice
from wechat_bot.services.users import get_user

from .notices_support import fast_password_hashing, make_staff  # noqa: F401

CLEAN = "近日，我局破获一起电信网络诈骗案，为群众挽回损失 12 万元。\n\n请广大群众提高警惕，谨防诈骗。"


@pytest.fixture
def flow(app):
    staff = make_staff(app)
    with app.app_context():
        services = app.extensions["wechat_bot"]
        flow = NoticeWorkflow.from_settings(get_session(), services.settings, services.clock)
        flow.wang = flow.session.get(User, staff["wang"].id)
        yield flow


def test_search_ignores_latin_case(flow):
    notice = flow.create(flow.wang, title="谨防 APP 刷单诈骗", category="police_news", body=CLEAN)
    assert list_notices(flow.session, text="app") == [notice]
    assert list_notices(flow.session, text="App 刷单") == [notice]


def test_search_takes_percent_and_underscore_literally(flow):
    full = flow.create(flow.wang, title="破案率 100% 的一年", category="police_news", body=CLEAN)
    flow.create(flow.wang, title="破案 1000 起", category="police_news", body=CLEAN)
    under = flow.create(flow.wang, title="代号 a_b 行动", category="police_news", body=CLEAN)
    flow.create(flow.wang, title="代号 axb 行动", category="police_news", body=CLEAN)
    assert list_notices(flow.session, text="100%") == [full]
    assert list_notices(flow.session, text="a_b") == [under]


@pytest.mark.parametrize("number", [0, -1, 2**31, 2**63, 10**30])
def test_ids_beyond_any_column_are_not_found(app, number):
    make_staff(app)
    with app.app_context():
        session = get_session()
        with pytest.raises(NotFound):
            get_notice(session, number)
        with pytest.raises(NotFound):
            get_user(session, number)
        assert get_user(session, 1).name  # the session still works afterwards


@pytest.mark.parametrize("configured", ["postgresql://bot@127.0.0.1:5432/wechat_bot",
                                        "postgres://bot@127.0.0.1:5432/wechat_bot",
                                        "postgresql+psycopg://bot@127.0.0.1:5432/wechat_bot"])
def test_a_plain_postgresql_url_uses_the_psycopg_driver(tmp_path, configured):
    from wechat_bot.db import database_url, make_engine

    engine = make_engine(database_url(configured, tmp_path))  # builds without connecting
    assert engine.url.render_as_string() == "postgresql+psycopg://bot@127.0.0.1:5432/wechat_bot"
    assert engine.dialect.driver == "psycopg"
    engine.dispose()
