"""Helpers shared by the notice, console and CLI tests: staff accounts and fake personal data."""
from __future__ import annotations

import functools

import pytest

from wechat_bot.db import get_session
from wechat_bot.services.users import create_user

PASSWORD = "correct-horse-1"

# GB 11643: MOD 11-2 check character (written here independently of the scanner).
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def fake_id_number(first17: str = "61072719010101999") -> str:
    """A checksum-valid ID number for an impossible person (born 1901, sequence 999)."""
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


STAFF = {
    "wang": ("王编辑", "editor"),
    "zhou": ("周编辑", "editor"),
    "li": ("李审核", "reviewer"),
    "chen": ("陈审核", "reviewer"),
    "sun": ("孙保密", "reviewer"),
    "zhao": ("赵局长", "admin"),
    "qian": ("钱主任", "admin"),
}


def make_staff(app) -> dict:
    """The accounts of STAFF, keyed by login name."""
    clock = app.extensions["wechat_bot"].clock
    with app.app_context():
        session = get_session()
        users = {
            name: create_user(session, name, role, PASSWORD, clock(), display_name=label)
            for name, (label, role) in STAFF.items()
        }
        session.expunge_all()
    return users


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch):
    """Cheap hashes in tests (scrypt costs ~80 ms per account); the code path is the same."""
    import wechat_bot.services.users as users

    cheap = functools.partial(users.generate_password_hash, method="pbkdf2:sha256:1000")
    monkeypatch.setattr(users, "generate_password_hash", cheap)
