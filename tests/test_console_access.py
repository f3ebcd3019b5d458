"""Every console route, walked: signed out it leads to the sign-in page; signed in, no
role gets an action beyond it. A route added without a role check fails here."""
from __future__ import annotations

import re

import pytest

from .notices_support import fast_password_hashing, make_staff  # noqa: F401
from .test_console import Console, as_user

OPEN = {"console.login", "console.logout", "console.static", "console.root"}  # root: a redirect to /console/
ACCOUNTS = {"editor": "wang", "reviewer": "li", "admin": "zhao"}


def console_routes(app) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every console route, ids filled with 1."""
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("console.") or rule.endpoint in OPEN:
            continue
        url = re.sub(r"<any\(([^,)]+)[^>]*>", lambda m: m.group(1).strip(), rule.rule)  # the first choice
        url = re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: "2019" if m.group(1) == "year" else "1", url)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((rule.endpoint, method, url))
    return routes


def view(app, endpoint: str):
    return app.view_functions[endpoint]


def test_every_console_route_declares_who_may_use_it(app):
    undeclared = [endpoint for endpoint, _, _ in console_routes(app) if not hasattr(view(app, endpoint), "allowed_roles")]
    assert undeclared == []


def test_signed_out_every_route_leads_to_sign_in(app):
    console = Console(app.test_client())
    console.client.get("/console/login")  # a CSRF token, so POSTs reach the access check
    for endpoint, method, url in console_routes(app):
        response = console.get(url) if method == "GET" else console.post(url)
        assert response.status_code == 302, (endpoint, method, response.status_code)
        assert response.headers["Location"].startswith("/console/login"), (endpoint, method)


@pytest.mark.parametrize("role", sorted(ACCOUNTS))
def test_no_role_gets_an_action_beyond_it(app, role):
    make_staff(app)
    console = as_user(app, ACCOUNTS[role])
    checked = 0
    for endpoint, method, url in console_routes(app):
        if role in view(app, endpoint).allowed_roles:
            continue
        response = console.get(url) if method == "GET" else console.post(url)
        assert response.status_code == 403, (role, endpoint, method, response.status_code)
        checked += 1
    if role != "admin":
        assert checked > 0  # each lesser role is refused something


def test_the_role_rules_that_matter(app):
    allowed = {endpoint: view(app, endpoint).allowed_roles for endpoint, _, _ in console_routes(app)}
    assert "editor" not in allowed["console.review_approve"]
    assert allowed["console.user_list"] == {"admin"}
    assert "reviewer" not in allowed["console.notice_new"]
