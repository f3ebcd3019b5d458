"""`make run`: a notice approved by two reviewers reaches /sandbox with no command typed —
the in-process scheduler (build_scheduler, as `run` starts it) publishes it."""
from __future__ import annotations

import threading

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED

from schedules.jobs import JOBS
from schedules.runner import build_scheduler

from .notices_support import fast_password_hashing, make_staff  # noqa: F401
from .publishing_support import notice_states
from .test_console import Console, as_user


def test_the_in_process_scheduler_publishes_an_approved_notice(app, client, clock):
    make_staff(app)
    editor = Console(client)
    editor.login("wang")
    response = editor.post("/console/notices/new", {
        "title": "无需命令的发布", "category": "police_news", "body": "请广大群众注意防范。", "digest": "",
        "author": "", "scheduled": "", "private_names": "", "action": "submit"})
    notice_id = int(response.headers["Location"].rsplit("/", 1)[1])
    for reviewer in ("li", "chen"):
        as_user(app, reviewer).post(f"/console/review/{notice_id}/approve")
    assert notice_states(app)[notice_id] == "approved"

    assert {spec.id: spec.start_now for spec in JOBS}["publish"]  # runs at start-up, then every sweep_seconds
    scheduler, lease = build_scheduler(app, blocking=False)
    ran, failed = threading.Event(), []

    def listen(event):
        if event.job_id == "publish":
            if event.exception:
                failed.append(event.exception)
            ran.set()

    scheduler.add_listener(listen, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    scheduler.start()
    try:
        assert ran.wait(timeout=30), "the publishing job did not run"
    finally:
        scheduler.shutdown(wait=True)
        lease.release()
    assert failed == []
    assert notice_states(app)[notice_id] == "published"
    app.extensions["wechat_bot"].simulator.complete_jobs()  # in `run` the simulator does this itself after 2 s
    assert "无需命令的发布" in client.get("/sandbox").get_data(as_text=True)
