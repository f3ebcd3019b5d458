"""Issue 11: staff see which guides are not reviewed for 12 months; /g/<id> shows the date and the sources."""
from __future__ import annotations

from datetime import timedelta

from .notices_support import fast_password_hashing, make_staff  # noqa: F401
from .test_console import as_user


def _oldest(app):
    return min(g.updated_on for g in app.extensions["wechat_bot"].catalogue.all())


def test_dashboard_and_guides_page_list_guides_due_for_review(app, clock):
    make_staff(app)
    console = as_user(app, "wang")
    # Today (2026-11-25) every guide was checked within 12 months: no dashboard block.
    assert 'id="guides-due"' not in console.text("/console/")
    page = console.text("/console/guides")
    assert "全部办事指南都在 12 个月内审核过" in page and "超过 12 个月未审核</span>" not in page

    # One day before the oldest guide's anniversary nothing is due; on the anniversary it is.
    oldest = _oldest(app)
    day_before = clock.now.replace(year=oldest.year + 1, month=oldest.month, day=oldest.day) - timedelta(days=1)
    clock.now = day_before.replace(hour=12)  # 20:00 in Shanghai, still the day before
    assert 'id="guides-due"' not in console.text("/console/")
    clock.advance(hours=4)  # past midnight in Shanghai: the anniversary, local date
    due = [g for g in app.extensions["wechat_bot"].catalogue.all() if g.updated_on == oldest]
    dashboard = console.text("/console/")
    assert 'id="guides-due"' in dashboard and f"{len(due)} 篇办事指南超过 12 个月未审核" in dashboard
    assert due[0].title in console.text("/console/guides")
    assert "超过 12 个月未审核</span>" in console.text("/console/guides")


def test_guides_page_needs_sign_in(client):
    response = client.get("/console/guides")
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]


def test_guide_page_shows_last_checked_date_and_sources(app, client):
    guide = app.extensions["wechat_bot"].catalogue.get("residence-permit")
    html = client.get("/g/residence-permit").get_data(as_text=True)
    assert f"本页内容上次核对于 {guide.updated_on}" in html
    assert "收费、时限的依据" in html and "陕财税〔2019〕26号" in html and "第二十一条" in html
