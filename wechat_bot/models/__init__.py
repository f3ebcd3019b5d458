"""Typed SQLAlchemy models, one module per aggregate; imported here for Alembic."""
from .base import Base, UTCDateTime, utcnow
from .consultation import Consultation
from .notice import Notice, NoticeEvent
from .user import User

__all__ = ["Base", "Consultation", "Notice", "NoticeEvent", "UTCDateTime", "User", "utcnow"]
