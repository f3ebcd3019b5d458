"""Helpers for the publishing tests: approved notices, sweeps with an injected clock."""
from __future__ import annotations

from datetime import UTC, datetime

from wechat_bot.db import get_session
from wechat_bot.models.notice import Notice
from wechat_bot.services import notice_content
from wechat_bot.services.publishing import Publisher
from wechat_bot.services.users import create_user


def editor_id(app) -> int:
    """One author for the rows these tests insert."""
    services = app.extensions["wechat_bot"]
    with app.app_context():
        session = get_session()
        from sqlalchemy import select

        from wechat_bot.models.user import User

        user = session.scalar(select(User).where(User.name == "pub_editor"))
        if user is None:
            user = create_user(session, "pub_editor", "editor", "correct-horse-1", services.clock(), display_name="发布编辑")
        return user.id


def add_approved(app, title: str, at: datetime, *, category: str = "police_news", body: str | None = None,
                 cover: bytes | None = None) -> int:
    """An approved notice due at ``at`` (the review itself is tested elsewhere)."""
    services = app.extensions["wechat_bot"]
    author = editor_id(app)
    with app.app_context():
        session = get_session()
        now = services.clock()
        text = body or f"{title}的正文。请广大群众知悉。"
        notice = Notice(title=title, category=category, body=text, content_html=notice_content.render_html(text),
                        digest=text[:54], author="略阳公安", original=True, state="approved", review_step=2,
                        scheduled_at=at.astimezone(UTC), approved_at=now, created_by_id=author,
                        created_at=now, updated_at=now)
        if cover:
            notice.cover_data, notice.cover_mime, notice.cover_size = cover, "image/jpeg", len(cover)
        session.add(notice)
        session.commit()
        return notice.id


def sweep(app, **options):
    from schedules.jobs import publish_sweep

    options.setdefault("sleep", lambda seconds: None)
    return publish_sweep(app, **options)


def notice_states(app) -> dict[int, str]:
    with app.app_context():
        from sqlalchemy import select

        return dict(get_session().execute(select(Notice.id, Notice.state)).all())


__all__ = ["Publisher", "add_approved", "notice_states", "sweep"]
