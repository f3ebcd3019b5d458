"""The console under hostile input: login races, huge or deeply nested bodies, odd URLs, broken covers."""
from __future__ import annotations

import io
import os
import re
import threading
import time

import pytest
from PIL import Image
from sqlalchemy import func, select

from wechat_bot.cli import AppHolder, main
from wechat_bot.db import get_session
from wechat_bot.models import Notice
from wechat_bot.services import notice_content as content
from wechat_bot.services.users import LoginThrottle

from .notices_support import PASSWORD, fast_password_hashing, make_staff  # noqa: F401
from .test_console import Console, as_user
from .test_console import browser, staff  # noqa: F401  (shared fixtures)

HUGE = "99999999999999999999999"




def notice_count(app) -> int:
    with app.app_context():
        return get_session().scalar(select(func.count()).select_from(Notice))


def preview(console: Console, payload):
    return console.client.post("/console/preview", json=payload, headers={"X-CSRF-Token": console.token()})


def new_notice(console: Console, **fields):
    data = {"title": "冬季防火提示", "category": "police_news", "body": "注意防火。", "scheduled": "", "action": "save"}
    return console.post("/console/notices/new", data | fields, content_type="multipart/form-data")


# --- 1. login throttling ---------------------------------------------------------------------

def test_parallel_attempts_are_counted_before_the_check(app):
    throttle = LoginThrottle(app.extensions["wechat_bot"].store)
    start = threading.Barrier(40)
    allowed = []

    def guess():
        start.wait()
        allowed.append(throttle.attempt("wang", "10.0.0.9").locked_for == 0)

    threads = [threading.Thread(target=guess) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert allowed.count(True) == LoginThrottle.PAIR_LIMIT


def test_forty_parallel_wrong_passwords_reach_the_password_check_five_times(app, staff, monkeypatch):
    import wechat_bot.console.auth as auth

    checked = []
    real = auth.authenticate

    def slow_authenticate(*args):
        checked.append(1)
        time.sleep(0.02)  # widen the window a check-then-count design would lose
        return real(*args)

    monkeypatch.setattr(auth, "authenticate", slow_authenticate)
    consoles = [Console(app.test_client()) for _ in range(40)]
    for console in consoles:
        console.client.get("/console/login")
    start = threading.Barrier(40)
    statuses = []

    def guess(console):
        data = {"name": "wang", "password": "wrong-password", "csrf_token": console.token()}
        start.wait()
        statuses.append(console.client.post("/console/login", data=data).status_code)

    threads = [threading.Thread(target=guess, args=(console,)) for console in consoles]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(checked) == 5
    assert sorted(statuses) == [401] * 5 + [429] * 35


def login_from(app, address: str, name: str, password: str):
    console = Console(app.test_client())
    console.client.environ_base["REMOTE_ADDR"] = address
    return console.login(name, password)


def test_one_address_cannot_lock_an_account_for_everyone(app, staff):
    for _ in range(6):
        login_from(app, "203.0.113.7", "wang", "wrong-password")
    assert login_from(app, "203.0.113.7", "wang", PASSWORD).status_code == 429
    assert login_from(app, "198.51.100.2", "wang", PASSWORD).status_code == 302


def test_many_addresses_together_lock_the_account_after_twenty_failures(app, staff):
    for n in range(LoginThrottle.ACCOUNT_LIMIT):
        response = login_from(app, f"203.0.113.{n // 4}", "wang", "wrong-password")  # 4 per address: under 5
        assert response.status_code == 401
    assert "此账号已被暂时锁定" in response.get_data(as_text=True)
    response = login_from(app, "198.51.100.2", "wang", PASSWORD)
    assert response.status_code == 429 and "此账号已被暂时锁定，请 15 分钟后再试" in response.get_data(as_text=True)
    assert login_from(app, "198.51.100.2", "li", PASSWORD).status_code == 302


def test_a_successful_login_clears_the_count_for_that_address(browser):
    for _ in range(4):
        browser.login("wang", "wrong-password")
    assert browser.login("wang").status_code == 302
    browser.client.post("/console/logout", data={"csrf_token": browser.token()})
    response = browser.login("wang", "wrong-password")
    assert response.status_code == 401 and "再错 4 次" in response.get_data(as_text=True)


# --- 2. slow or crashing bodies ----------------------------------------------------------------

@pytest.mark.parametrize("body", ["1" * 60000, "[" * 20000, "- " * 20000 + "x", "- " * 500 + "x", "![" * 14000,
                                  "[a](" * 7000, "<a " * 9000, "-\n" * 14000])
def test_preview_refuses_hostile_bodies_quickly_and_clearly(browser, body):
    browser.login("wang")
    started = time.thread_time()  # the request runs in this thread (Flask's test client)
    response = preview(browser, {"title": "标题", "body": body})
    assert time.thread_time() - started < 1.5
    assert response.status_code == 400
    message = response.get_json()["error"]
    assert re.search(r"正文过长（上限 30000 字）|嵌套过深|未配对|未闭合|分隔线", message), message


def test_new_notice_with_an_oversized_body_is_refused_and_nothing_is_saved(app, browser):
    browser.login("wang")
    response = new_notice(browser, body="字" * (content.BODY_MAX + 1))
    assert response.status_code == 400
    assert f"正文过长（上限 {content.BODY_MAX} 字）" in response.get_data(as_text=True)
    assert notice_count(app) == 0


def test_cli_refuses_a_deeply_nested_body_in_one_line(app, runner, staff, tmp_path):
    path = tmp_path / "body.md"
    path.write_text("- " * 500 + "x", encoding="utf-8")
    result = runner.invoke(main, ["notices", "add", "--title", "T", "--category", "police_news",
                                  "--body-file", str(path), "--by", "wang"], obj=AppHolder(None, app=app))
    assert result.exit_code == 1
    assert result.stderr.strip() == f"错误：正文中的列表或引用嵌套过深（最多 {content.NESTING_MAX} 层），请减少层级"
    assert "Traceback" not in result.output and notice_count(app) == 0


# --- 3. no more HTTP 500s -------------------------------------------------------------------------

def test_huge_ids_are_not_found(app, browser):
    browser.login("wang")
    for url in (f"/console/notices/{HUGE}", f"/console/notices/{HUGE}/edit", f"/console/notices/{HUGE}/cover",
                f"/console/review/{HUGE}"):
        assert browser.get(url).status_code == 404, url
    assert browser.post(f"/console/review/{HUGE}/approve").status_code == 404
    assert as_user(app, "zhao").get(f"/console/users/{HUGE}").status_code == 404


@pytest.mark.parametrize("target", ["/console%0d%0aX:y", "/console/%0aSet-Cookie:x=1", "/console%00", "/console\\\\evil"])
def test_next_with_control_characters_goes_to_the_dashboard(browser, target):
    browser.client.get("/console/login")
    response = browser.client.post(f"/console/login?next={target}",
                                   data={"name": "wang", "password": PASSWORD, "csrf_token": browser.token()})
    assert response.status_code == 302 and response.headers["Location"] == "/console/"
    response = browser.get(f"/console/login?next={target}")  # signed in: redirected straight away
    assert response.status_code == 302 and response.headers["Location"] == "/console/"


@pytest.mark.parametrize("target", ["/console/../../evil", "/console/%2e%2e/%2e%2e/evil", "/console/..%2f..%2fevil",
                                    "/console-evil", "//evil.example/console", "/console/./../x"])
def test_next_that_resolves_outside_the_console_goes_to_the_dashboard(browser, target):
    from urllib.parse import quote

    browser.client.get("/console/login")
    response = browser.client.post(f"/console/login?next={quote(target)}",
                                   data={"name": "wang", "password": PASSWORD, "csrf_token": browser.token()})
    assert response.status_code == 302 and response.headers["Location"] == "/console/"


def test_next_inside_the_console_is_kept(browser):
    browser.client.get("/console/login")
    response = browser.client.post("/console/login?next=/console/notices%3Fstate%3Dapproved",
                                   data={"name": "wang", "password": PASSWORD, "csrf_token": browser.token()})
    assert response.headers["Location"] == "/console/notices?state=approved"


@pytest.mark.parametrize("when", ["0001-01-01T00:00", "9999-12-31T23:59", "1900-01-01T00:00"])
def test_out_of_range_schedule_is_a_form_error(app, browser, when):
    browser.login("wang")
    response = new_notice(browser, scheduled=when)
    assert response.status_code == 400 and "时间超出范围" in response.get_data(as_text=True)
    assert notice_count(app) == 0


@pytest.mark.parametrize("payload", [[1, 2], "text", 5, {"body": 5}, {"title": ["a"]}])
def test_preview_wants_a_json_object_of_text(browser, payload):
    browser.login("wang")
    response = preview(browser, payload)
    assert response.status_code == 400 and "格式不正确" in response.get_json()["error"]


def broken_image(kind: str) -> bytes:
    image = Image.frombytes("RGB", (600, 600), os.urandom(600 * 600 * 3))
    buffer = io.BytesIO()
    (image.convert("P") if kind == "GIF" else image).save(buffer, kind)
    data = buffer.getvalue()
    return data[: max(70 * 1024, len(data) // 2)]


@pytest.mark.parametrize("kind", ["GIF", "BMP", "JPEG"])
def test_a_truncated_cover_is_refused_before_the_draft_is_written(app, browser, kind):
    browser.login("wang")
    data = broken_image(kind)
    assert len(data) > 64 * 1024
    response = new_notice(browser, convert="1", cover=(io.BytesIO(data), f"cover.{kind.lower()}"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "图片文件已损坏或不完整" in page and "冬季防火提示" in page  # the form is kept
    assert notice_count(app) == 0


def test_a_good_cover_on_a_new_notice_is_saved_with_it(app, browser):
    browser.login("wang")
    image = Image.frombytes("RGB", (700, 450), os.urandom(700 * 450 * 3))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    response = new_notice(browser, convert="1", cover=(io.BytesIO(buffer.getvalue()), "cover.png"))
    assert response.status_code == 302 and response.headers["Location"].rsplit("/", 1)[1].isdigit()
    with app.app_context():
        stored = get_session().scalars(select(Notice)).one()
        assert stored.cover_mime == "image/jpeg" and stored.cover_size <= 64 * 1024


def test_a_truncated_cover_on_edit_changes_nothing(app, browser):
    browser.login("wang")
    response = new_notice(browser)
    notice_id = int(response.headers["Location"].rsplit("/", 1)[1])
    response = browser.post(f"/console/notices/{notice_id}/edit",
                            {"title": "改过的标题", "category": "police_news", "body": "改过的正文。", "convert": "1",
                             "cover": (io.BytesIO(broken_image("JPEG")), "c.jpg")},
                            content_type="multipart/form-data")
    assert response.status_code == 400
    with app.app_context():
        stored = get_session().get(Notice, notice_id)
        assert stored.title == "冬季防火提示" and not stored.cover_mime


# --- 4. marks only in text ---------------------------------------------------------------------

def test_findings_in_an_image_alt_are_never_marked_inside_the_tag(browser):
    browser.login("wang")
    body = "![电话13812345678](https://mmbiz.qpic.cn/a.png)\n\n联系电话13812345678。"
    data = preview(browser, {"title": "标题", "body": body}).get_json()
    html = data["html"]
    assert [f["label"] for f in data["findings"] if f["where"] == "正文"] == ["手机号", "手机号"]  # both reported
    assert '<img alt="电话13812345678" src="https://mmbiz.qpic.cn/a.png">' in html
    assert '联系电话<mark class="finding" title="' in html and "13812345678</mark>。" in html
    for tag in re.findall(r"<[^>]*>", html):
        assert "\ue000" not in tag and "\ue001" not in tag and "<mark" not in tag[1:], tag


# --- 5. passwords --------------------------------------------------------------------------------

@pytest.mark.parametrize(("password", "message"), [
    (" " * 8, "密码至少 8 位，空格不算在内"),
    ("ab  cd  ef", "密码至少 8 位，空格不算在内"),
    ("aaaaaaaa", "密码不能全是同一个字符"),
    ("1111 1111 1111", "密码不能全是同一个字符"),
])
def test_weak_passwords_are_refused_in_the_console(app, staff, password, message):
    admin = as_user(app, "zhao")
    response = admin.post("/console/users", {"name": "xu", "role": "editor", "password": password})
    assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_password_rules_in_the_service(app, staff):
    from wechat_bot.errors import Invalid
    from wechat_bot.services.users import check_password, get_user, update_user

    assert check_password("correct horse") == "correct horse"  # spaces inside are fine
    for weak in ("short", " " * 8, "\t" * 12, "a b c d e f g", "zzzzzzzzzzzz", "zz zz zz zz zz"):
        with pytest.raises(Invalid, match="密码"):
            check_password(weak)
    with app.app_context():
        session = get_session()
        admin, wang = get_user(session, staff["zhao"].id), get_user(session, staff["wang"].id)
        with pytest.raises(Invalid, match="空格不算在内"):
            update_user(session, admin, wang, password=" " * 10)


def test_a_non_ascii_csrf_token_is_refused_not_a_crash(browser):
    browser.client.get("/console/login")
    response = browser.client.post("/console/login", data={"name": "wang", "password": "x", "csrf_token": "令牌"})
    assert response.status_code == 400
