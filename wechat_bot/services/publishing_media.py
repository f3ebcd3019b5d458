"""Covers for WeChat: a permanent ``thumb`` per distinct cover (reused while the cover is
unchanged, keyed by its SHA-256) and the same image via ``uploadimg`` for the article body."""
from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models.notice import Notice
from ..models.publish import WeChatMedia


class CoverUploads:
    def __init__(self, session: Session, gateway: Any, clock: Callable[[], datetime]) -> None:
        self.session = session
        self.gateway = gateway
        self.clock = clock

    def for_notice(self, notice: Notice) -> tuple[str, str | None]:
        """(thumb media_id, in-body image url or None when the notice has no cover of its own)."""
        data = notice.cover_data or default_cover()
        digest = hashlib.sha256(data).hexdigest()
        row = self.session.get(WeChatMedia, digest)
        if row is None or not row.thumb_media_id:
            row = self._save(digest, thumb_media_id=self.gateway.upload_thumb(data, "cover.jpg"))
        if notice.cover_data and not row.image_url:
            row = self._save(digest, image_url=self.gateway.upload_article_image(data, "cover.jpg"))
        return str(row.thumb_media_id), (row.image_url if notice.cover_data else None)

    def _save(self, digest: str, **values: str) -> WeChatMedia:
        row = self.session.get(WeChatMedia, digest)
        if row is None:
            row = WeChatMedia(sha256=digest, uploaded_at=self.clock())
            self.session.add(row)
        for key, value in values.items():
            setattr(row, key, value)
        try:
            self.session.commit()
        except IntegrityError:  # another sweeper stored the same cover a moment ago: keep theirs
            self.session.rollback()
            row = self.session.get(WeChatMedia, digest)  # type: ignore[assignment]
            for key, value in values.items():
                if not getattr(row, key):
                    setattr(row, key, value)
            self.session.commit()
        return row


_default_cover: bytes | None = None


def default_cover() -> bytes:
    """A plain JPG cover (WeChat requires one for every article) for notices without their own."""
    global _default_cover
    if _default_cover is None:
        from PIL import Image

        buffer = io.BytesIO()
        Image.new("RGB", (900, 383), (24, 62, 120)).save(buffer, "JPEG", quality=80)
        _default_cover = buffer.getvalue()
    return _default_cover
