"""Browser tests: Playwright (sync API) driving Debian's Chromium against the app
served for real on a loopback port.

Chromium is found as $CHROMIUM, else `chromium` on PATH, else /usr/bin/chromium
(Playwright's own browser download cannot work here). Without it these tests
SKIP with a loud notice, except under CI=true, where they FAIL: CI must run them.
Screenshots land in test-output/browser/<test>/NN-name.png (git-ignored).
"""
from __future__ import annotations

import os
import shutil
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output" / "browser"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def find_chromium() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


_NOT_RUN: list[str] = []
_HINT = "Install Debian's chromium (apt-get install -y chromium); .ci/run does this."


def _unavailable(reason: str) -> None:
    _NOT_RUN.append(reason)
    sys.stderr.write(f"\n浏览器测试无法运行 / BROWSER TESTS NOT RUN: {reason}\n{_HINT}\n")
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(f"BROWSER TESTS NOT RUN: {reason}")


def pytest_terminal_summary(terminalreporter) -> None:
    """Say it loudly at the end of the run, where nobody can miss it."""
    if _NOT_RUN:
        terminalreporter.write_sep("!", "浏览器测试没有运行 / BROWSER TESTS WERE NOT RUN", red=True, bold=True)
        terminalreporter.write_line(f"{_NOT_RUN[0]}. {_HINT}", red=True, bold=True)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = find_chromium()
    if path is None:
        _unavailable("no Chromium found ($CHROMIUM, `chromium` on PATH, /usr/bin/chromium)")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path: str):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright Python package is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The app on a real loopback port, served by werkzeug in a thread."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


class Shots:
    """Numbered full-page screenshots: test-output/browser/<test>/NN-name.png."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    def __call__(self, page, name: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def shots(request) -> Shots:
    folder = OUTPUT / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return Shots(folder)


@pytest.fixture
def phone(browser, live_server):
    """A phone-sized page (375 px wide) that may reach only the app: any other request fails the test."""
    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai", base_url=live_server)
    context.set_default_timeout(5000)
    outside: list[str] = []

    def only_the_app(route) -> None:
        if route.request.url.startswith(live_server):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_the_app)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    yield page
    context.close()
    assert outside == [], f"pages tried to load from outside the app: {outside}"
    assert errors == [], f"browser errors: {errors}"
