"""APScheduler 3.x under a Redis lease: one active scheduler, others stand by.

`run` starts it in the background next to the web server; `scheduler` runs it
alone (production). A second scheduler process is harmless: only the holder of
the lease runs jobs, and publishing is idempotent besides.
"""
from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import datetime

from apscheduler.events import EVENT_JOB_ERROR, JobExecutionEvent
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.util import undefined
from flask import Flask

from .jobs import JOBS, JobSpec

log = logging.getLogger(__name__)

LEASE_SECONDS = 45


class Lease:
    """A Redis key naming the one scheduler allowed to run jobs."""

    def __init__(self, app: Flask) -> None:
        services = app.extensions["wechat_bot"]
        self.redis = services.store.redis
        self.key = services.store.key("scheduler", "lease")
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"

    def acquire_or_renew(self) -> bool:
        if self.redis.set(self.key, self.holder, nx=True, ex=LEASE_SECONDS):
            return True
        # Renew only our own lease (compare-and-set in one round trip).
        renewed = self.redis.eval(
            "if redis.call('get', KEYS[1]) == ARGV[1] then "
            "return redis.call('expire', KEYS[1], ARGV[2]) else return 0 end",
            1, self.key, self.holder, LEASE_SECONDS,
        )
        return bool(renewed)

    def release(self) -> None:
        self.redis.eval(
            "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end",
            1, self.key, self.holder,
        )


def build_scheduler(app: Flask, *, blocking: bool) -> tuple[BaseScheduler, Lease]:
    tz = app.extensions["wechat_bot"].settings.bureau.timezone
    cls = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = cls(timezone=tz, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60})
    lease = Lease(app)
    for spec in JOBS:
        first = datetime.now(scheduler.timezone) if spec.start_now else undefined
        scheduler.add_job(_leased, "interval", seconds=spec.interval(app), args=(app, lease, spec), id=spec.id,
                          replace_existing=True, next_run_time=first)
    scheduler.add_listener(_log_error, EVENT_JOB_ERROR)
    return scheduler, lease


def _leased(app: Flask, lease: Lease, spec: JobSpec) -> None:
    if not lease.acquire_or_renew():
        log.debug("job %s skipped: another scheduler holds the lease", spec.id)
        return
    spec.func(app)


def _log_error(event: JobExecutionEvent) -> None:
    log.error("scheduled job %s failed: %r", event.job_id, event.exception)
