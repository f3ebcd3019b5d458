"""A staff account of the console: editor, reviewer or admin."""
from __future__ import annotations

import unicodedata
from datetime import datetime

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime

ROLES = ("editor", "reviewer", "admin")


def fold_name(name: str) -> str:
    """A login name folded for comparison: full Unicode case folding (SQL's lower() folds
    only ASCII in SQLite, so Ärger and ärger were two accounts), and NFKC so that
    full-width and composed forms are the same name."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name or "").casefold())
ROLE_LABELS = {"editor": "编辑", "reviewer": "审核", "admin": "管理员"}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The login name as typed (may be Chinese).
    name: Mapped[str] = mapped_column(String(64), unique=True)
    # The name folded for comparison (services.users.name_key: NFKC, 繁→简, full Unicode
    # case folding); unique, so Ärger and ärger, or 王編輯 and 王编辑, are one account.
    name_key: Mapped[str] = mapped_column(
        String(64), unique=True, default=lambda context: fold_name(context.get_current_parameters()["name"])
    )
    # How the audit trail names the person ("王编辑"); defaults to the login name.
    display_name: Mapped[str] = mapped_column(String(64), default="")
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Goes up on sign-out, password change, role change and deactivation; a console
    # session signed with an older epoch is no longer honoured (see console.support).
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def label(self) -> str:
        return self.display_name or self.name

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    def can(self, *roles: str) -> bool:
        return self.active and (self.role == "admin" or self.role in roles)
