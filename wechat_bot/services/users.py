"""Staff accounts: creation, roles, passwords, and login throttling.

Passwords are stored only as werkzeug hashes. Login attempts are counted in
Redis before the password is checked, atomically (one Lua script), so parallel
guesses cannot all slip under the limit: per (account, address) ``PAIR_LIMIT``
within ``WINDOW`` seconds, and per account ``ACCOUNT_LIMIT`` from any address
(high enough that locking someone out takes real effort). A successful login
clears its (account, address) count and takes back its own count on the account.
"""
from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ..errors import Invalid, NotFound
from ..models.base import valid_id
from ..models.user import ROLE_LABELS, ROLES, User, fold_name
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
    visible = "".join((password or "").split())
    if len(password or "") < PASSWORD_MIN:
        raise Invalid(f"密码至少 {PASSWORD_MIN} 位")
    if len(visible) < PASSWORD_MIN:
        raise Invalid(f"密码至少 {PASSWORD_MIN} 位，空格不算在内")
    if len(set(visible)) == 1:
        raise Invalid("密码不能全是同一个字符")
    return password


def name_key(name: str) -> str:
    return fold_name(name)


def check_name(name: str) -> str:
    name = unicodedata.normalize("NFC", (name or "").strip())
    if not name or len(name) > 64 or any(ch.isspace() for ch in name):
        raise Invalid("账号名不能为空、不能含空格，最多 64 个字")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in name):
        raise Invalid("账号名不能含控制字符或不可见字符")
    if len(name_key(name)) > 64:
        raise Invalid("账号名过长")
    return name


def check_display_name(text: str) -> str:
    text = (text or "").strip()
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in text):
        raise Invalid("显示姓名不能含控制字符或不可见字符")
    return text[:64]


def create_user(session: Session, name: str, role: str, password: str, now: datetime, display_name: str = "") -> User:
    name = check_name(name)
    if find_user(session, name) is not None:
        raise Invalid(f"账号“{name}”已存在")
    user = User(
        name=name,
        name_key=name_key(name),
        session_epoch=0,
        display_name=check_display_name(display_name) or name,
        role=parse_role(role),
        password_hash=generate_password_hash(check_password(password)),
        active=True,
        created_at=now,
    )
    session.add(user)
    session.commit()
    return user


def find_user(session: Session, name: str) -> User | None:
    return session.scalar(select(User).where(User.name_key == name_key((name or "").strip())))


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id) if valid_id(user_id) else None
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
    _keep_an_admin(session, user, new_role, new_active)
    new_hash = generate_password_hash(check_password(password)) if password else None
    if new_role != user.role or new_active != user.active or new_hash:
        revoke_sessions(user)  # what the account may do changed: sign in again
    user.role = new_role
    user.active = new_active
    if display_name is not None:
        user.display_name = check_display_name(display_name) or user.name
    if new_hash:
        user.password_hash = new_hash
    session.commit()
    return user


def _keep_an_admin(session: Session, user: User, new_role: str, new_active: bool) -> None:
    """The last active admin cannot be demoted or disabled."""
    if user.role == "admin" and user.active and (new_role != "admin" or not new_active):
        admins = session.scalar(select(func.count()).select_from(User).where(User.role == "admin", User.active))
        if admins <= 1:
            raise Invalid("至少要保留一个可用的管理员账号")


def revoke_sessions(user: User) -> None:
    """Every console session of ``user`` stops working (the caller commits)."""
    user.session_epoch = (user.session_epoch or 0) + 1


def set_active(session: Session, user: User, active: bool) -> User:
    """Enable or disable an account from the CLI (no signed-in actor); keeps one admin."""
    _keep_an_admin(session, user, user.role, active)
    if user.active != active:
        user.active = active
        revoke_sessions(user)
    session.commit()
    return user


def reset_password(session: Session, user: User, password: str) -> User:
    user.password_hash = generate_password_hash(check_password(password))
    revoke_sessions(user)
    session.commit()
    return user


# KEYS: the (account, address) key, the account key; ARGV: the window in seconds.
# Returns {count, seconds left} for each key.
_COUNT_ATTEMPT = """
local out = {}
for _, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  local ttl = redis.call('TTL', key)
  if ttl < 0 then
    redis.call('EXPIRE', key, ARGV[1])
    ttl = tonumber(ARGV[1])
  end
  table.insert(out, count)
  table.insert(out, ttl)
end
return out
"""
# KEYS: the (account, address) key, the account key.
_FORGET_ATTEMPT = """
redis.call('DEL', KEYS[1])
if redis.call('EXISTS', KEYS[2]) == 1 and redis.call('DECR', KEYS[2]) <= 0 then
  redis.call('DEL', KEYS[2])
end
return 1
"""


@dataclass(frozen=True)
class Attempt:
    """One counted login attempt: may the password be checked, and how many tries are left."""

    locked_for: int  # seconds until the account may be tried again from here; 0: go ahead
    per_account: bool  # locked (or about to be) for every address, not just this one
    left: int  # failures still allowed after this one


class LoginThrottle:
    """Counts login attempts per account + address and per account, in Redis."""

    PAIR_LIMIT = 5
    ACCOUNT_LIMIT = 20
    WINDOW = 15 * 60

    def __init__(self, store: Store, pair_limit: int = PAIR_LIMIT, account_limit: int = ACCOUNT_LIMIT,
                 window: int = WINDOW) -> None:
        self.store = store
        self.pair_limit = pair_limit
        self.account_limit = account_limit
        self.window = window

    def _keys(self, name: str, address: str) -> list[str]:
        account = (name or "").strip().lower()
        pair = hashlib.sha256(f"{account}\0{address}".encode()).hexdigest()[:32]
        alone = hashlib.sha256(account.encode()).hexdigest()[:32]
        return [self.store.key("login-fail", pair), self.store.key("login-fail-account", alone)]

    def attempt(self, name: str, address: str) -> Attempt:
        """Count this attempt as a failure now, before the password is checked; say whether it may go on."""
        result = self.store.redis.eval(_COUNT_ATTEMPT, 2, *self._keys(name, address), self.window)
        pair, pair_ttl, account, account_ttl = (int(value) for value in result)
        pair_left, account_left = self.pair_limit - pair, self.account_limit - account
        waits = [ttl for left, ttl in ((pair_left, pair_ttl), (account_left, account_ttl)) if left < 0]
        return Attempt(
            locked_for=max(*waits, 1) if waits else 0,
            per_account=account_left < 0 if waits else account_left < pair_left,
            left=max(min(pair_left, account_left), 0),
        )

    def succeeded(self, name: str, address: str) -> None:
        self.store.redis.eval(_FORGET_ATTEMPT, 2, *self._keys(name, address))
