"""Followers' personal data: what we keep, and erasing it when they leave.

WeChat's rules require deleting a user's data when they unsubscribe. We erase
everything linked to the openid (pending choices and other session keys in
Redis, the text of their consultations) and keep only anonymous rows, so the
annual report's counts still add up.
"""
from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from ..models import Consultation
from ..router import hash_openid
from ..store import Store

ERASED_TEXT = "（用户已取消关注，内容已按规定删除）"


def session_key(store: Store, openid: str, name: str) -> str:
    """Redis key of one piece of a citizen's conversation state."""
    return store.key("session", hash_openid(openid), name)


def forget(openid: str, *, db: Session, store: Store) -> int:
    """Erase the user's openid-linked data; returns how many records were touched.

    The database goes first: when it is down nothing is erased at all (Redis's
    session keys expire by themselves), rather than half of it."""
    result = db.execute(
        update(Consultation)
        .where(Consultation.openid == openid)
        .values(openid=None, text=ERASED_TEXT, answer_text=None)
    )
    db.commit()
    pattern = store.key("session", hash_openid(openid), "*")
    touched = 0
    for key in store.redis.scan_iter(match=pattern, count=100):
        touched += store.redis.delete(key)
    return touched + (result.rowcount or 0)
