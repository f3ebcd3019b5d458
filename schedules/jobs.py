"""The scheduler's jobs. Each opens an app context and calls one service."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from flask import Flask


@dataclass(frozen=True)
class JobSpec:
    id: str
    func: Callable[[Flask], Any]
    seconds: int | None = None  # interval; None → read from settings in `interval`
    setting: str | None = None
    at_start: bool = False  # also run once as soon as the scheduler starts

    def interval(self, app: Flask) -> int:
        if self.seconds is not None:
            return self.seconds
        settings = app.extensions["wechat_bot"].settings
        section, key = (self.setting or "").split(".")
        return int(getattr(getattr(settings, section), key))


def heartbeat(app: Flask) -> None:
    """Record that the scheduler is alive; the console shows when it last ran."""
    with app.app_context():
        services = app.extensions["wechat_bot"]
        services.store.redis.set(services.store.key("scheduler", "heartbeat"), services.clock().isoformat(), ex=3600)


JOBS: list[JobSpec] = [
    JobSpec("heartbeat", heartbeat, seconds=30, at_start=True),
]
