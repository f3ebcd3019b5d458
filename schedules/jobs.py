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
    start_now: bool = False  # also run once right at start-up (publishing reconciles leftovers then)

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


def publish_sweep(app: Flask, **publisher_options: Any) -> Any:
    """Publish every approved notice whose time has come (reconciling leftovers first)."""
    from wechat_bot.db import get_session
    from wechat_bot.services.publishing import Publisher

    with app.app_context():
        services = app.extensions["wechat_bot"]
        return Publisher.from_services(services, get_session(), **publisher_options).sweep()


def inactivity_guard(app: Flask) -> Any:
    """Daily: warn (log + dashboard) when the account has not posted for 10 days."""
    from wechat_bot.db import get_session
    from wechat_bot.services.publishing_status import inactivity_guard as guard

    with app.app_context():
        services = app.extensions["wechat_bot"]
        return guard(get_session(), services.store, services.clock(), services.settings.tz)


def purge_consultation_texts(app: Flask) -> int:
    """Erase consultation message texts older than [consultations] keep_days (counts stay)."""
    from wechat_bot.services.consultations import purge_old_texts

    with app.app_context():
        services = app.extensions["wechat_bot"]
        with services.database.sessionmaker() as session:
            return purge_old_texts(session, services.clock(), services.settings.consultations.keep_days)


JOBS: list[JobSpec] = [
    JobSpec("heartbeat", heartbeat, seconds=30, start_now=True),
    JobSpec("publish", publish_sweep, setting="publish.sweep_seconds", start_now=True),
    JobSpec("inactivity_guard", inactivity_guard, seconds=86400, start_now=True),
    JobSpec("consultations-purge", purge_consultation_texts, seconds=24 * 3600),
]
