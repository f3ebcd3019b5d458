"""A console session ends when it should: a kept or copied cookie opens nothing after
sign-out, a password reset, a role change or deactivation. Login names are one account
however their letters are cased or composed."""
from __future__ import annotations

import pytest

from wechat_bot.db import get_session
from wechat_bot.errors import Invalid
from wechat_bot.services.users import create_user, find_user, require_user, update_user

from .notices_support import PASSWORD, fast_password_hashing, make_staff  # noqa: F401
from .test_console import Console, as_user


@pytest.fixture
def staff(app):
    return make_staff(app)


def copied_cookie_client(app, console: Console):
    """A second browser holding the same session cookie (as a thief, or the logged-out tab, would)."""
    other = app.test_client()
    cookie = console.client.get_cookie("session")
    other.set_cookie(cookie.key, cookie.value)
    return other


def opens_review(client) -> bool:
    return client.get("/console/review").status_code == 200


def test_a_cookie_kept_after_sign_out_opens_nothing(app, staff):
    console = as_user(app, "li")
    kept = copied_cookie_client(app, console)
    assert opens_review(kept)
    assert console.post("/console/logout").status_code == 302
    assert not opens_review(kept)
    assert kept.get("/console/review").headers["Location"].startswith("/console/login")
    # Signing in again works, with a new session.
    assert opens_review(as_user(app, "li").client)


def _change(app, name: str, **changes):
    with app.app_context():
        session = get_session()
        admin = require_user(session, "zhao")
        update_user(session, admin, require_user(session, name), **changes)


@pytest.mark.parametrize("changes", [
    {"password": "a-new-password-2026"},
    {"role": "editor"},
    {"active": False},
], ids=["password-reset", "role-change", "deactivated"])
def test_an_account_change_ends_its_sessions(app, staff, changes):
    console = as_user(app, "li")
    assert opens_review(console.client)
    _change(app, "li", **changes)
    assert not opens_review(console.client)


def test_a_display_name_change_keeps_the_session(app, staff):
    console = as_user(app, "li")
    _change(app, "li", display_name="李审核员")
    assert opens_review(console.client)


def test_names_differing_only_in_case_beyond_ascii_are_one_account(app, staff):
    clock = app.extensions["wechat_bot"].clock
    with app.app_context():
        session = get_session()
        create_user(session, "Ärger", "editor", PASSWORD, clock())
        with pytest.raises(Invalid, match="已存在"):
            create_user(session, "ärger", "editor", PASSWORD, clock())
        session.rollback()
        with pytest.raises(Invalid, match="已存在"):
            create_user(session, "ÄＲＧＥＲ", "editor", PASSWORD, clock())  # full-width letters
        session.rollback()
        assert find_user(session, "ärger").name == "Ärger"
        assert find_user(session, "ÄRGER").name == "Ärger"
        # Composed and decomposed Ä are the same letter.
        assert find_user(session, "A\u0308rger").name == "Ärger"
    assert as_user(app, "ärger").client.get("/console/").status_code == 200


@pytest.mark.parametrize("name", ["bad\x00name", "esc\x1b[31m", "zero\u200bwidth", "bell\x07"], ids=repr)
def test_control_and_invisible_characters_are_refused_in_names(app, name):
    clock = app.extensions["wechat_bot"].clock
    with app.app_context(), pytest.raises(Invalid, match="控制字符"):
        create_user(get_session(), name, "editor", PASSWORD, clock())


@pytest.mark.parametrize("field", ["title", "body", "digest", "author", "private_names"])
def test_control_characters_in_a_notice_are_refused_with_a_clear_message(app, staff, field):
    from .test_console import BODY

    console = as_user(app, "wang")
    data = {"title": "略阳警方通报", "category": "police_news", "body": BODY, "digest": "", "author": "",
            "scheduled": "", "private_names": "", "action": "save"}
    data[field] = (data[field] or "x") + "\x00"
    response = console.post("/console/notices/new", data)
    assert response.status_code == 400
    assert "控制字符" in response.get_data(as_text=True)


def test_the_cli_refuses_a_body_with_control_characters(app, staff, runner, tmp_path):
    from wechat_bot.cli import AppHolder, main

    body = tmp_path / "body.md"
    body.write_text("通报正文\x1b[31m红字", encoding="utf-8")
    args = ["notices", "add", "--title", "通报", "--category", "police_news", "--body-file", str(body), "--by", "wang"]
    result = runner.invoke(main, args, obj=AppHolder(None, app=app))
    assert result.exit_code == 1
    assert "控制字符" in result.stderr
