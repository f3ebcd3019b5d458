"""Staff accounts: creation, roles, passwords, and login throttling.

Passwords are stored only as werkzeug hashes. Failed logins are counted in
Redis per (account, address); after ``LIMIT`` failures within ``WINDOW``
seconds that pair is locked until the window passes.
"""
from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ..errors import Invalid, NotFound
from ..models.user import ROLE_LABELS, ROLES, User
from ..store import Store
from .textnorm import to_simplified

PASSWORD_MIN = 8
# A hash to compare against when the account does not exist, so a wrong name
# takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def parse_role(text: str) -> str:
    value = (text or "").strip().lower()
    if value in ROLES:
        return value
    for code, label in ROLE_LABELS.items():
        if to_simplified(value) == label:
            return code
    raise Invalid(f"未知的角色“{text}”，可选：editor（编辑）、reviewer（审核）、admin（管理员）")


def check_password(password: str) -> str:
    if len(password or "") < PASSWORD_MIN:
        raise Invalid(f"密码至少 {PASSWORD_MIN} 位")
    return password


def create_user(session: Session, name: str, role: str, password: str, now: datetime, display_name: str = "") -> User:
    name = (name or "").strip()
    if not name or len(name) > 64 or any(ch.isspace() for ch in name):
        raise Invalid("账号名不能为空、不能含空格，最多 64 个字")
    if find_user(session, name) is not None:
        raise Invalid(f"账号“{name}”已存在")
    user = User(
        name=name,
        display_name=(display_name or "").strip()[:64] or name,
        role=parse_role(role),
        password_hash=generate_password_hash(check_password(password)),
        active=True,
        created_at=now,
    )
    session.add(user)
    session.commit()
    return user


def find_user(session: Session, name: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.name) == (name or "").strip().lower()))


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"没有编号为 {user_id} 的账号")
    return user


def require_user(session: Session, name: str) -> User:
    """The active account called ``name`` (CLI --by)."""
    user = find_user(session, name)
    if user is None or not user.active:
        raise NotFound(f"没有名为“{name}”的可用账号（先用 users add 创建）")
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.active.desc(), User.name)))


def authenticate(session: Session, name: str, password: str) -> User | None:
    user = find_user(session, name)
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    return user if check_password_hash(user.password_hash, password or "") else None


def update_user(
    session: Session,
    actor: User,
    user: User,
    *,
    role: str | None = None,
    display_name: str | None = None,
    active: bool | None = None,
    password: str | None = None,
) -> User:
    """An admin changes an account; the last active admin cannot be demoted or disabled."""
    if not actor.can("admin"):
        raise Invalid("只有管理员可以管理账号")
    new_role = parse_role(role) if role else user.role
    new_active = user.active if active is None else active
    if user.role == "admin" and user.active and (new_role != "admin" or not new_active):
        admins = session.scalar(select(func.count()).select_from(User).where(User.role == "admin", User.active))
        if admins <= 1:
            raise Invalid("至少要保留一个可用的管理员账号")
    user.role = new_role
    user.active = new_active
    if display_name is not None:
        user.display_name = display_name.strip()[:64] or user.name
    if password:
        user.password_hash = generate_password_hash(check_password(password))
    session.commit()
    return user


class LoginThrottle:
    """Counts failed logins per account + address in Redis."""

    LIMIT = 5
    WINDOW = 15 * 60

    def __init__(self, store: Store, limit: int = LIMIT, window: int = WINDOW) -> None:
        self.store = store
        self.limit = limit
        self.window = window

    def _key(self, name: str, address: str) -> str:
        digest = hashlib.sha256(f"{(name or '').strip().lower()}\0{address}".encode()).hexdigest()[:32]
        return self.store.key("login-fail", digest)

    def locked_for(self, name: str, address: str) -> int:
        """Seconds until the pair may try again; 0 when not locked."""
        key = self._key(name, address)
        count = int(self.store.redis.get(key) or 0)
        if count < self.limit:
            return 0
        return max(int(self.store.redis.ttl(key)), 1)

    def failed(self, name: str, address: str) -> int:
        """Record a failure; returns how many attempts remain."""
        key = self._key(name, address)
        pipe = self.store.redis.pipeline()
        pipe.set(key, 0, nx=True, ex=self.window)  # the window starts at the first failure
        pipe.incr(key)
        count = int(pipe.execute()[1])
        return max(self.limit - count, 0)

    def succeeded(self, name: str, address: str) -> None:
        self.store.redis.delete(self._key(name, address))
