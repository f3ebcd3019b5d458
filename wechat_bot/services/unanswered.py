"""Questions no guide answered, counted by normalised text, with no openid: which
guide to write, or which wording to add, after go-live."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import UnansweredQuestion

MAX_CHARS = 200


def count(db: Session | Connection, normalised_text: str, now: datetime) -> None:
    """One more time this question was asked (the caller commits). Plain statements on the
    table, so the webhook's consultation write can run them on a bare connection."""
    text = normalised_text[:MAX_CHARS]
    if not text:
        return
    table = UnansweredQuestion.__table__
    bump = (update(table).where(table.c.normalised_text == text)
            .values(count=table.c.count + 1, last_seen=now))
    if db.execute(bump).rowcount:
        return
    try:
        with db.begin_nested():  # two first askings at once: the loser counts as a second one
            db.execute(insert(table).values(normalised_text=text, count=1, first_seen=now, last_seen=now))
    except IntegrityError:
        db.execute(bump)


def most_frequent(db: Session, limit: int = 200) -> list[UnansweredQuestion]:
    return list(db.scalars(
        select(UnansweredQuestion)
        .order_by(UnansweredQuestion.count.desc(), UnansweredQuestion.last_seen.desc()).limit(limit)
    ))
