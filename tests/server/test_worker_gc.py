"""Each gunicorn worker sets the loaded app's objects aside from the cyclic garbage
collector (wechat_bot/serving.py): its full collections no longer walk them all while
every thread of the worker waits."""
from __future__ import annotations

from pathlib import Path

import requests

from .conftest import free_port
from .gunicorn_proc import Gunicorn, bot_config


def test_a_worker_freezes_what_the_app_loaded(tmp_path: Path, migrated_db: Path) -> None:
    web = Gunicorn("tests.server.freeze_app:app", bot_config(tmp_path, migrated_db), free_port(), 1,
                   tmp_path / "gunicorn.log")
    try:
        web.wait_ready()
        frozen = int(requests.get(f"{web.url}/", timeout=10).text)
    finally:
        web.stop()
    assert frozen > 1000  # gunicorn, the worker and the app; 0 without the freeze
