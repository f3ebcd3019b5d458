"""略阳公安 WeChat Official Account backend.

``create_app`` (``wechat_bot/factory.py``) is the composition root. It is imported on first
use rather than with the package: gunicorn's master imports this package only for its worker
class (``wechat_bot.serving``), and importing Flask, SQLAlchemy and wechatpy there grew the
master from 22 to 68 MB of memory that it never uses.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .factory import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from .factory import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
