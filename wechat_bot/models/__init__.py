"""Typed SQLAlchemy models, one module per aggregate; imported here for Alembic."""
from .base import Base, UTCDateTime, utcnow
from .consultation import Consultation

__all__ = ["Base", "Consultation", "UTCDateTime", "utcnow"]
