"""Questions no guide answered, counted by normalised text, with no openid: which
guide to write, or which wording to add, after go-live."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import UnansweredQuestion

MAX_CHARS = 200


def count(db: Session, normalised_text: str, now: datetime) -> None:
    """One more time this question was asked (the caller commits)."""
    text = normalised_text[:MAX_CHARS]
    if not text:
        return
    bump = (update(UnansweredQuestion).where(UnansweredQuestion.normalised_text == text)
            .values(count=UnansweredQuestion.count + 1, last_seen=now))
    if db.execute(bump).rowcount:
        return
    try:
        with db.begin_nested():  # two first askings at once: the loser counts as a second one
            db.add(UnansweredQuestion(normalised_text=text, count=1, first_seen=now, last_seen=now))
    except IntegrityError:
        db.execute(bump)


def most_frequent(db: Session, limit: int = 200) -> list[UnansweredQuestion]:
    return list(db.scalars(
        select(UnansweredQuestion)
        .order_by(UnansweredQuestion.count.desc(), UnansweredQuestion.last_seen.desc()).limit(limit)
    ))
