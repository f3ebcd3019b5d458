"""Typed SQLAlchemy models, one module per aggregate; imported here for Alembic."""
from .base import Base, UTCDateTime, utcnow
from .consultation import Consultation, ConsultationMessage, UnansweredQuestion
from .notice import Notice, NoticeEvent
from .post import CHANNELS, Post
from .publish import JobEvent, PublishBundle, WeChatMedia
from .user import User

__all__ = ["Base", "CHANNELS", "Consultation", "ConsultationMessage", "JobEvent", "Notice", "NoticeEvent", "Post",
           "PublishBundle", "UTCDateTime", "UnansweredQuestion", "User", "WeChatMedia", "utcnow"]
