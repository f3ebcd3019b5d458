"""The scheduler: one active holder of the Redis lease runs the jobs."""
from __future__ import annotations

from schedules.jobs import JOBS, heartbeat
from schedules.runner import Lease, _leased, build_scheduler


def test_only_one_scheduler_holds_the_lease(app):
    first, second = Lease(app), Lease(app)
    assert first.acquire_or_renew()
    assert not second.acquire_or_renew()
    assert first.acquire_or_renew()  # renewing its own lease
    first.release()
    assert second.acquire_or_renew()


def test_a_job_runs_only_under_the_lease(app, clock):
    services = app.extensions["wechat_bot"]
    ran: list[str] = []
    spec = type(JOBS[0])("probe", lambda a: ran.append("ran"), seconds=30)
    holder, other = Lease(app), Lease(app)
    _leased(app, holder, spec)
    _leased(app, other, spec)
    assert ran == ["ran"]
    heartbeat(app)
    assert services.store.redis.get(services.store.key("scheduler", "heartbeat")).decode() == clock.now.isoformat()


def test_every_job_is_scheduled_in_the_bureaus_time_zone(app):
    scheduler, lease = build_scheduler(app, blocking=False)
    assert {job.id for job in scheduler.get_jobs()} == {spec.id for spec in JOBS}
    assert str(scheduler.timezone) == "Asia/Shanghai"
