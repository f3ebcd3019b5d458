"""/g/<id>: every guide as a mobile page rendered from its data file."""
from __future__ import annotations

import re

import pytest

from wechat_bot.services.guides import Catalogue

GUIDE_IDS = [g.id for g in Catalogue.load().all()]


@pytest.mark.parametrize("guide_id", GUIDE_IDS)
def test_every_guide_page_renders(client, guide_id):
    response = client.get(f"/g/{guide_id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'name="viewport"' in html
    assert "以窗口公示为准" in html
    assert "{phone}" not in html and "{address}" not in html  # placeholders filled from [bureau]
    # No external assets: the page must open instantly in WeChat's browser.
    assert not re.search(r'(src|href)="https?://', html)


def test_guide_page_shows_the_bureaus_configured_contact(app, client):
    html = client.get("/g/contact").get_data(as_text=True)
    assert app.extensions["wechat_bot"].settings.bureau.phone in html


def test_unknown_guide_is_404(client):
    assert client.get("/g/no-such-guide").status_code == 404


def test_index_lists_all_guides(client):
    html = client.get("/g/").get_data(as_text=True)
    assert all(f"/g/{gid}" in html for gid in GUIDE_IDS)


@pytest.mark.parametrize("url", ["/g/", "/g/passport", "/sandbox/"])
def test_citizen_pages_forbid_framing_and_inline_code(app, client, url):
    if url.startswith("/sandbox") and not app.extensions["wechat_bot"].settings.sandbox:
        pytest.skip("sandbox mode only")
    response = client.get(url, follow_redirects=True)
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "<style>" not in response.get_data(as_text=True) and "<script>" not in response.get_data(as_text=True)
