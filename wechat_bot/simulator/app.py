"""``create_simulator``: the Flask app that plays api.weixin.qq.com."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask

from . import routes
from .core import Simulator
from .store import Store


def create_simulator(state_path: Path | str, *, app_id: str, app_secret: str,
                     account_type: str = "subscription",
                     push: Callable[[str], Any] | None = None,
                     clock: Callable[[], datetime] | None = None,
                     auto_complete_seconds: float | None = None,
                     verified: bool = True,
                     daily_limits: dict[str, int] | None = None,
                     follower_count: int = 1000,
                     original_id: str | None = None) -> Flask:
    """A WeChat API simulator whose state lives in the SQLite file ``state_path``.

    ``push(xml)`` receives the plaintext event XML of finished jobs (None: keep
    them in ``pending_pushes()``). ``auto_complete_seconds``: jobs finish by
    themselves that long after submission (live mode); None: only when
    ``complete_jobs()`` is called (tests). The ``Simulator`` is
    ``app.extensions["wechat_simulator"]``.
    """
    sim = Simulator(Store(Path(state_path)), app_id=app_id, app_secret=app_secret,
                    account_type=account_type, push=push, clock=clock,
                    daily_limits=daily_limits, verified=verified,
                    follower_count=follower_count, original_id=original_id,
                    auto_complete_seconds=auto_complete_seconds)
    app = Flask("wechat_bot.simulator")
    app.config["MAX_CONTENT_LENGTH"] = 12 * 1024 * 1024
    app.extensions["wechat_simulator"] = sim
    routes.register(app)
    sim.start_auto_complete()
    return app
