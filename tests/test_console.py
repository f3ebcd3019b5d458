"""The staff console through the Flask test client: sign-in, CSRF, throttling, editor, review, accounts."""
from __future__ import annotations

import io
import os
import re

import pytest
from PIL import Image

from wechat_bot import create_app
from wechat_bot.db import get_session
from wechat_bot.models import Notice

from .conftest import make_settings
from .notices_support import PASSWORD, fake_id_number, fast_password_hashing, make_staff  # noqa: F401

ID = fake_id_number()
INTRO = "近日，我局接到群众报警称，有人冒充公检法机关工作人员，以涉嫌洗钱为由要求其转账，现将有关情况通报如下。"
BODY = f"{INTRO}\n\n报警人身份证号 {ID}，请广大群众提高警惕。"


class Console:
    """A browser-like client: signs in, and sends the session's CSRF token with every form."""

    def __init__(self, client) -> None:
        self.client = client

    def token(self) -> str:
        with self.client.session_transaction() as session:
            return session.get("csrf_token", "")

    def login(self, name: str, password: str = PASSWORD):
        self.client.get("/console/login")
        return self.client.post("/console/login", data={"name": name, "password": password, "csrf_token": self.token()})

    def post(self, url: str, data: dict | None = None, **kwargs):
        return self.client.post(url, data={**(data or {}), "csrf_token": self.token()}, **kwargs)

    def get(self, url: str, **kwargs):
        return self.client.get(url, **kwargs)

    def text(self, url: str) -> str:
        response = self.get(url)
        assert response.status_code == 200, response.status_code
        return response.get_data(as_text=True)


@pytest.fixture
def staff(app):
    return make_staff(app)


@pytest.fixture
def browser(client, staff):
    return Console(client)


def as_user(app, name: str, password: str = PASSWORD) -> Console:
    console = Console(app.test_client())
    assert console.login(name, password).status_code == 302
    return console


def write(console: Console, body: str = BODY, action: str = "save", **fields) -> int:
    data = {"title": "略阳警方通报一起电诈案", "category": "police_news", "body": body, "digest": "", "author": "",
            "scheduled": "2026-11-26T09:00", "private_names": "", "action": action} | fields
    response = console.post("/console/notices/new", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/console/notices/(\d+)$", response.headers["Location"]).group(1))


def notice(app, notice_id: int) -> Notice:
    with app.app_context():
        return get_session().get(Notice, notice_id)


# --- sign-in ------------------------------------------------------------------------

def test_pages_need_a_signed_in_user(client):
    response = client.get("/console/notices")
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]


def test_login_sets_a_hardened_session_cookie_and_logout_ends_it(browser):
    response = browser.login("wang")
    assert response.status_code == 302 and response.headers["Location"] == "/console/"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert "王编辑（编辑）" in browser.text("/console/")
    assert browser.post("/console/logout").status_code == 302
    assert browser.get("/console/").status_code == 302


def test_session_cookie_is_secure_when_the_public_url_is_https(tmp_path, database_url, redis_server, clock):
    settings = make_settings(tmp_path, database_url, web={"public_url": "https://wx.example.gov.cn"})
    app = create_app(settings=settings, clock=clock, redis_client=redis_server, redis_prefix="test-https:")
    try:
        assert app.config["SESSION_COOKIE_SECURE"] is True
        make_staff(app)
        response = Console(app.test_client()).login("wang")
        assert "Secure" in response.headers["Set-Cookie"]
    finally:
        app.extensions["wechat_bot"].store.clear()
        app.extensions["wechat_bot"].database.dispose()


def test_wrong_password_then_throttled_after_five_failures(browser):
    for left in (4, 3, 2, 1):
        response = browser.login("wang", "wrong-password")
        assert response.status_code == 401
        assert f"再错 {left} 次将锁定 15 分钟" in response.get_data(as_text=True)
    response = browser.login("wang", "wrong-password")
    assert "已被暂时锁定" in response.get_data(as_text=True)
    response = browser.login("wang")  # the right password no longer helps
    assert response.status_code == 429
    assert "请 15 分钟后再试" in response.get_data(as_text=True)
    assert browser.login("li").status_code == 302  # other accounts are not locked


def test_head_requests_do_not_count_as_failed_logins(browser):
    for _ in range(6):
        assert browser.client.head("/console/login").status_code == 200
    assert browser.login("wang").status_code == 302


def test_unknown_account_is_told_the_same_as_a_wrong_password(browser):
    response = browser.login("nobody", "whatever-123")
    assert response.status_code == 401 and "账号或密码不正确" in response.get_data(as_text=True)


def test_login_never_redirects_outside_the_console(browser):
    browser.client.get("/console/login")
    response = browser.client.post(
        "/console/login?next=//evil.example/x", data={"name": "wang", "password": PASSWORD, "csrf_token": browser.token()}
    )
    assert response.headers["Location"] == "/console/"


def test_post_without_or_with_a_wrong_csrf_token_is_refused(browser):
    browser.login("wang")
    data = {"title": "标题", "category": "police_news", "body": "正文"}
    response = browser.client.post("/console/notices/new", data=data)
    assert response.status_code == 400 and "安全令牌" in response.get_data(as_text=True)
    assert browser.client.post("/console/notices/new", data={**data, "csrf_token": "forged"}).status_code == 400
    assert browser.client.post("/console/login", data={"name": "wang", "password": PASSWORD}).status_code == 400
    assert browser.client.post("/console/preview", json={"body": "x"}).status_code == 400


# --- writing ---------------------------------------------------------------------

def test_editor_writes_a_notice_and_the_schedule_is_shown_in_local_time(app, browser):
    browser.login("wang")
    notice_id = write(browser, body="# 提示\n\n冬季注意防火。")
    stored = notice(app, notice_id)
    assert stored.state == "draft" and stored.scheduled_at.isoformat() == "2026-11-26T01:00:00+00:00"
    page = browser.text(f"/console/notices/{notice_id}")
    assert "2026-11-26 09:00（北京时间）" in page and "<h2>提示</h2>" in page
    edit = browser.text(f"/console/notices/{notice_id}/edit")
    assert 'value="2026-11-26T09:00"' in edit


def test_invalid_input_keeps_the_form_and_says_why(browser):
    browser.login("wang")
    response = browser.post("/console/notices/new", {"title": "字" * 33, "category": "police_news", "body": "正文"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "标题最多 32 个字" in page and "字" * 33 in page
    response = browser.post("/console/notices/new", {"title": "标题", "category": "police_news", "body": "正文",
                                                     "scheduled": "2026-11-24T09:00"})
    assert response.status_code == 400 and "已过" in response.get_data(as_text=True)


def test_reviewers_cannot_open_the_editor(app, staff):
    assert as_user(app, "li").get("/console/notices/new").status_code == 403


def test_live_preview_renders_the_article_and_marks_findings(browser):
    browser.login("wang")
    response = browser.client.post("/console/preview", json={"title": "标题", "body": BODY + "\n\n<script>x()</script>"},
                                   headers={"X-CSRF-Token": browser.token()})
    data = response.get_json()
    assert '<mark class="finding" title="疑似居民身份证号码">' + ID + "</mark>" in data["html"]
    assert "script" not in data["html"]
    assert [(f["where"], f["label"]) for f in data["findings"]] == [("正文", "身份证号")]
    assert data["digest"].startswith("近日，我局接到群众报警称")


def test_cover_upload_is_checked_and_converted(app, browser):
    browser.login("wang")
    notice_id = write(browser)
    image = Image.frombytes("RGB", (700, 450), os.urandom(700 * 450 * 3))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    form = {"title": "略阳警方通报一起电诈案", "category": "police_news", "body": BODY, "action": "save"}
    upload = {**form, "cover": (io.BytesIO(buffer.getvalue()), "cover.png")}
    response = browser.post(f"/console/notices/{notice_id}/edit", upload, content_type="multipart/form-data")
    assert response.status_code == 400  # the cover is checked before anything is saved
    assert "封面未通过检查" in response.get_data(as_text=True) and "格式为 PNG" in response.get_data(as_text=True)
    assert not notice(app, notice_id).cover_mime
    upload = {**form, "convert": "1", "cover": (io.BytesIO(buffer.getvalue()), "cover.png")}
    browser.post(f"/console/notices/{notice_id}/edit", upload, content_type="multipart/form-data")
    cover = browser.get(f"/console/notices/{notice_id}/cover")
    assert cover.mimetype == "image/jpeg" and len(cover.data) <= 64 * 1024
    assert Image.open(io.BytesIO(cover.data)).format == "JPEG"


def test_uploads_over_2mb_get_a_clear_answer(browser):
    browser.login("wang")
    big = {"title": "T", "category": "police_news", "body": "正文", "cover": (io.BytesIO(b"0" * (3 * 1024 * 1024)), "big.jpg")}
    response = browser.post("/console/notices/new", big, content_type="multipart/form-data")
    assert response.status_code == 413 and "最大 2MB" in response.get_data(as_text=True)


def test_list_filters(app, browser):
    browser.login("wang")
    write(browser, title="冬季防火提示", category="announcement", body="注意防火。")
    write(browser, title="电诈案告破", body="注意防骗。", action="submit")
    assert "电诈案告破" in browser.text("/console/notices?state=in_review")
    assert "冬季防火提示" not in browser.text("/console/notices?state=in_review")
    page = browser.text("/console/notices?category=announcement&q=防火")
    assert "冬季防火提示" in page and "电诈案告破" not in page


# --- review ------------------------------------------------------------------------

def test_review_refuses_with_findings_until_masked_and_tells_the_story(app, browser):
    browser.login("wang")
    notice_id = write(browser, action="submit")
    reviewer = as_user(app, "li")
    page = reviewer.text(f"/console/review/{notice_id}")
    assert "身份证号" in page and "disabled" in page and '<mark class="finding"' in page
    refused = reviewer.post(f"/console/review/{notice_id}/approve")
    assert refused.status_code == 302 and notice(app, notice_id).review_step == 0
    assert "不能通过：隐私与保密检查未通过" in reviewer.text(f"/console/review/{notice_id}")
    reviewer.post(f"/console/review/{notice_id}/mask")
    assert ID not in notice(app, notice_id).body
    reviewer.post(f"/console/review/{notice_id}/approve", {"comment": "已脱敏"})
    assert notice(app, notice_id).review_step == 1
    # The author sees why they cannot approve, and the server refuses anyway.
    author_page = browser.text(f"/console/review/{notice_id}")
    assert "不能审核自己撰写或修改过的稿件" in author_page
    assert browser.post(f"/console/review/{notice_id}/approve").status_code == 403
    as_user(app, "chen").post(f"/console/review/{notice_id}/approve")
    assert notice(app, notice_id).state == "approved"
    view = browser.text(f"/console/notices/{notice_id}")
    assert "已通过（待发布）：到 2026-11-26 09:00（北京时间）后的下一次定时检查时自动发出" in view
    assert '<div class="phone-bar">略阳公安</div>' in view
    for line in ("王编辑 创建草稿", "王编辑 提交审核（隐私与保密检查发现：身份证号 1 处（正文））",
                 "李审核 一键脱敏：身份证号 1 处（正文）", "李审核 通过“初审”（第 1/2 步）；意见：已脱敏",
                 "陈审核 通过“审发”（第 2/2 步）；定于 2026-11-26 09:00 发布"):
        assert line in re.sub(r"<[^>]+>", "", view).replace("\n", " ").replace("  ", " "), line


def test_reject_needs_a_reason_in_the_console_too(app, browser):
    browser.login("wang")
    notice_id = write(browser, body="注意防骗。", action="submit")
    reviewer = as_user(app, "li")
    reviewer.post(f"/console/review/{notice_id}/reject", {"reason": " "})
    assert "退回必须填写理由" in reviewer.text(f"/console/review/{notice_id}")
    reviewer.post(f"/console/review/{notice_id}/reject", {"reason": "请补充时间地点"})
    assert notice(app, notice_id).state == "rejected"


def test_admin_overrides_with_a_reason_from_the_review_page(app, browser):
    browser.login("wang")
    notice_id = write(browser, action="submit")
    admin = as_user(app, "zhao")
    assert "强制通过的理由" in admin.text(f"/console/review/{notice_id}")
    admin.post(f"/console/review/{notice_id}/approve", {"override_reason": "号码系虚构示例，经核实可公开"})
    assert notice(app, notice_id).review_step == 1
    assert "管理员强制通过，理由：号码系虚构示例，经核实可公开" in admin.text(f"/console/notices/{notice_id}")


def test_dashboard_counts_and_quiet_warning(app, browser):
    browser.login("wang")
    write(browser, body="注意防骗。", action="submit")
    page = browser.text("/console/")
    assert "还没有发布过稿件" in page
    assert re.search(r"<b>1</b><span>审核中</span>", page)


# --- accounts --------------------------------------------------------------------------

def test_only_admins_manage_accounts(app, browser):
    browser.login("wang")
    assert browser.get("/console/users").status_code == 403
    admin = as_user(app, "zhao")
    response = admin.post("/console/users", {"name": "xu", "display_name": "徐编辑", "role": "editor", "password": "long-enough-1"})
    assert response.status_code == 302
    assert "徐编辑" in admin.text("/console/users")
    assert as_user(app, "xu", "long-enough-1").get("/console/").status_code == 200
    response = admin.post("/console/users", {"name": "xu2", "role": "editor", "password": "short"})
    assert response.status_code == 400 and "密码至少 8 位" in response.get_data(as_text=True)


def test_roles_change_but_the_last_admin_stays(app, staff):
    admin = as_user(app, "zhao")
    li = staff["li"]
    admin.post(f"/console/users/{li.id}", {"role": "admin", "display_name": "李审核", "active": "1"})
    with app.app_context():
        from wechat_bot.models import User

        assert get_session().get(User, li.id).role == "admin"
    for name in ("qian", "li"):
        admin.post(f"/console/users/{staff[name].id}", {"role": "reviewer", "display_name": name, "active": "1"})
    response = admin.post(f"/console/users/{staff['zhao'].id}", {"role": "editor", "display_name": "赵局长", "active": "1"})
    assert response.status_code == 400 and "至少要保留一个可用的管理员账号" in response.get_data(as_text=True)


def test_every_asset_is_served_by_the_app_and_pages_carry_a_strict_policy(app, browser):
    pages = [browser.get("/console/login")]
    browser.login("wang")
    pages += [browser.get(url) for url in ("/console/", "/console/notices", "/console/notices/new", "/console/review")]
    for response in pages:
        url = response.request.path
        page = response.get_data(as_text=True)
        assets = re.findall(r'(?:src|href)="([^"]+)"', page)
        assert assets and all(a.startswith("/") and not a.startswith("//") for a in assets), (url, assets)
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert 'name="viewport"' in page
    for asset in ("/static/console/console.css", "/static/console/editor.js"):
        assert browser.get(asset).status_code == 200
