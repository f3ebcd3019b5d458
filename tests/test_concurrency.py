"""Writers racing for real, on every backend: two threads, two connections,
released together. The notice's version column (optimistic locking) must let
exactly one of them win, whether the database makes the loser wait for a row
lock (PostgreSQL) or for the file's write lock (SQLite)."""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from wechat_bot.errors import Invalid
from wechat_bot.models import Notice, NoticeEvent, User
from wechat_bot.services.notices import NoticeWorkflow

from .notices_support import fast_password_hashing, make_staff  # noqa: F401

CLEAN = "近日，我局破获一起电信网络诈骗案，为群众挽回损失 12 万元。\n\n请广大群众提高警惕，谨防诈骗。"


def test_two_reviewers_approving_the_same_step_at_the_same_instant(app):
    services = app.extensions["wechat_bot"]
    database = services.database
    staff = make_staff(app)
    with database.sessionmaker() as session:
        flow = NoticeWorkflow.from_settings(session, services.settings, services.clock)
        wang = session.get(User, staff["wang"].id)
        notice = flow.create(wang, title="略阳警方破获一起电诈案", category="police_news", body=CLEAN)
        flow.submit(wang, notice)
        notice_id = notice.id

    start = threading.Barrier(2, timeout=30)
    outcomes: dict[str, str] = {}

    def review(name: str) -> None:
        with database.sessionmaker() as session:
            flow = NoticeWorkflow.from_settings(session, services.settings, services.clock)
            actor = session.get(User, staff[name].id)
            mine = session.get(Notice, notice_id)  # both see step 0, version 1
            start.wait()
            try:
                flow.approve(actor, mine)
                outcomes[name] = "approved"
            except Invalid as exc:
                outcomes[name] = exc.message
            except Exception as exc:  # noqa: BLE001 - reported below
                outcomes[name] = f"{type(exc).__name__}: {exc}"

    threads = [threading.Thread(target=review, args=(name,)) for name in ("li", "chen")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes.values(), key=len) == ["approved", "稿件刚刚被其他人处理过，请刷新页面查看最新状态后再操作"], outcomes

    with database.sessionmaker() as session:
        notice = session.get(Notice, notice_id)
        approvals = session.scalar(
            select(func.count()).select_from(NoticeEvent)
            .where(NoticeEvent.notice_id == notice_id, NoticeEvent.action == "approve")
        )
        assert (notice.review_step, notice.version, approvals) == (1, 3, 1)
