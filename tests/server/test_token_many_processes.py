"""One access token for four gunicorn workers plus a scheduler-like process.

The token is forced out (stable_token with force_refresh, as WeChat does when
the secret is reset or another party force-refreshes) while all five processes
are calling the API: every process gets 40001 once, exactly one of them fetches
a new token under the Redis lock, and no 40001 reaches a citizen's
customer-service send or the scheduler's calls.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from werkzeug.serving import WSGIRequestHandler, make_server

from wechat_bot.simulator import create_simulator

from .conftest import free_port
from .gunicorn_proc import ROOT, Gunicorn

APP_ID = "wx1234567890abcdef"
APP_SECRET = "0123456789abcdef0123456789abcdef"
# WeChat allows 20 customer-service messages per user and window (45047): one each.
CITIZENS = [f"o_tok_{n}" for n in range(400)]
SCHEDULED = [f"o_sched_{n}" for n in range(200)]


class Quiet(WSGIRequestHandler):
    def log_request(self, *args: object, **kwargs: object) -> None:
        """Request lines carry access tokens: keep them out of the test log."""


def write_config(path: Path, db: Path, redis_url: str, api_base: str) -> None:
    from tests.conftest import TEST_AES_KEY, TEST_TOKEN

    path.write_text(
        f'[storage]\ndatabase_url = "sqlite:///{db}"\nredis_url = "{redis_url}"\n\n'
        f'[wechat]\napp_id = "{APP_ID}"\napp_secret = "{APP_SECRET}"\ntoken = "{TEST_TOKEN}"\n'
        f'encoding_aes_key = "{TEST_AES_KEY}"\napi_base_url = "{api_base}"\n\n'
        '[bureau]\naddress = "略阳县兴州街道公安局一楼"\nphone = "0916-4812345"\n'
        'office_hours = "周一至周五 8:30–12:00，14:30–18:00"\n',
        encoding="utf-8",
    )


@pytest.mark.timeout(180)
def test_forced_expiry_under_load_one_refresh_and_no_40001_to_anyone(
        tmp_path: Path, migrated_db: Path, redis_server_proc) -> None:
    sim_app = create_simulator(tmp_path / "sim.sqlite3", app_id=APP_ID, app_secret=APP_SECRET)
    sim = sim_app.extensions["wechat_simulator"]
    for openid in [*CITIZENS, *SCHEDULED]:
        sim.record_user_message(openid)  # each opened a 48-hour customer-service window
    server = make_server("127.0.0.1", 0, sim_app, threaded=True, request_handler=Quiet)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    api = f"http://127.0.0.1:{server.server_port}/cgi-bin/"

    db = tmp_path / "bot.sqlite3"
    shutil.copy(migrated_db, db)
    config = tmp_path / "config.toml"
    write_config(config, db, redis_server_proc.url, api)
    web = Gunicorn("tests.server.token_app:app", config, free_port(), 4, tmp_path / "gunicorn.log")
    stop, result = tmp_path / "stop", tmp_path / "scheduler.json"
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "tests.server.token_caller", str(stop), str(result), ",".join(SCHEDULED)],
        cwd=ROOT, env={"WECHAT_BOT_CONFIG": str(config), "PATH": "/usr/bin:/bin"},
        stdout=subprocess.DEVNULL, stderr=(tmp_path / "scheduler.log").open("wb"))
    try:
        web.wait_ready()
        assert len(web.worker_pids()) == 4
        forced = threading.Event()

        def send(n: int) -> tuple[int, dict]:
            if n == 150:  # mid-run: WeChat invalidates the token everyone holds
                body = {"grant_type": "client_credential", "appid": APP_ID, "secret": APP_SECRET,
                        "force_refresh": True}
                assert "access_token" in requests.post(f"{api}stable_token", json=body, timeout=5).json()
                forced.set()
            r = requests.post(f"{web.url}/_test/send", params={"openid": CITIZENS[n]}, timeout=10)
            return r.status_code, r.json()

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(send, range(400)))
        assert forced.is_set()
        stop.touch()
        scheduler.wait(timeout=30)
    finally:
        stop.touch()
        web.stop()
        if scheduler.poll() is None:
            scheduler.kill()
            scheduler.wait()
        server.shutdown()
        server.server_close()

    assert [a for a in answers if a != (200, {"ok": True})] == [], "an error reached a citizen's send"
    sched = json.loads(result.read_text())
    assert sched["errors"] == [] and sched["ok"] > 0, sched
    fetches = [c for c in sim.calls("stable_token") if not (c.body or {}).get("force_refresh")]
    assert len(fetches) == 2, "one fetch at start, exactly one refresh after the forced expiry"
    rejected = [c for c in sim.calls("message/custom/send") if c.errcode == 40001]
    assert rejected, "the old token was really used and refused under load"
    tokens = {c.params.get("access_token") for c in sim.calls("message/custom/send") if c.errcode == 0}
    assert len(tokens) == 2, "all five processes used the same token before and after"
