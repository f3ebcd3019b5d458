"""Permanent material and in-body images (O-material; wechat-platform.md §2.5).

* ``material/add_material?type=thumb``: JPG only, ≤ 64 KB.
* ``material/add_material?type=image``: bmp/png/jpeg/gif, ≤ 10 MB; returns a url.
* ``media/uploadimg``: jpg/png, < 1 MB; returns the url to use inside article HTML.
The file type is sniffed from the bytes and must agree with the file name.
"""
from __future__ import annotations

import hashlib
import secrets
import sqlite3
from pathlib import PurePosixPath
from typing import Any

from .api import ApiRequest, Upload, route
from .codes import ApiError

THUMB_MAX = 64 * 1024
IMAGE_MAX = 10 * 1024 * 1024
UPLOADIMG_MAX = 1024 * 1024  # strictly less than 1 MB

EXTENSIONS = {"jpeg": {"jpg", "jpeg"}, "png": {"png"}, "gif": {"gif"}, "bmp": {"bmp"}}
MMBIZ_PREFIX = "http://mmbiz.qpic.cn/"


def sniff(data: bytes) -> str | None:
    """The image format from its magic bytes."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data.startswith(b"BM"):
        return "bmp"
    return None


def _check_type(upload: Upload, allowed: set[str]) -> str:
    kind = sniff(upload.data)
    if kind not in allowed:
        raise ApiError(40005)
    ext = PurePosixPath(upload.filename or "").suffix.lower().lstrip(".")
    if ext and ext not in EXTENSIONS[kind]:
        raise ApiError(40005)
    return kind


def _upload(req: ApiRequest) -> Upload:
    upload = req.files.get("media")
    if upload is None or not upload.data:
        raise ApiError(41005)
    return upload


def _image_url(kind: str) -> str:
    fmt = "jpg" if kind == "jpeg" else kind
    return f"{MMBIZ_PREFIX}mmbiz_{fmt}/{secrets.token_urlsafe(40)}/0?wx_fmt={fmt}"


def _store(conn: sqlite3.Connection, mtype: str, upload: Upload, url: str | None,
           now: float) -> str:
    media_id = secrets.token_urlsafe(32)
    conn.execute(
        "INSERT INTO media (media_id, type, filename, size, sha1, url, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (media_id, mtype, upload.filename, len(upload.data),
         hashlib.sha1(upload.data).hexdigest(), url, now))
    return media_id


@route("material/add_material", body="multipart")
def add_material(ctx: Any, conn: sqlite3.Connection, req: ApiRequest) -> dict[str, Any]:
    mtype = req.params.get("type", "")
    if mtype not in ("thumb", "image"):
        # voice/video are real WeChat types this simulator does not model.
        raise ApiError(40004)
    upload = _upload(req)
    if mtype == "thumb":
        _check_type(upload, {"jpeg"})
        if len(upload.data) > THUMB_MAX:
            raise ApiError(40009)
        # The url is kept for draft/get's thumb_url; add_material returns none for thumbs.
        media_id = _store(conn, "thumb", upload, _image_url("jpeg"), req.now)
        return {"media_id": media_id, "item": []}
    kind = _check_type(upload, set(EXTENSIONS))
    if len(upload.data) > IMAGE_MAX:
        raise ApiError(40009)
    url = _image_url(kind)
    return {"media_id": _store(conn, "image", upload, url, req.now), "url": url,
            "item": []}


@route("media/uploadimg", body="multipart")
def upload_img(ctx: Any, conn: sqlite3.Connection, req: ApiRequest) -> dict[str, Any]:
    upload = _upload(req)
    kind = _check_type(upload, {"jpeg", "png"})
    if len(upload.data) >= UPLOADIMG_MAX:
        raise ApiError(40009)
    url = _image_url(kind)
    _store(conn, "uploadimg", upload, url, req.now)
    return {"url": url}


def permanent_media_type(conn: sqlite3.Connection, media_id: str) -> str | None:
    row = conn.execute("SELECT type FROM media WHERE media_id = ?", (media_id,)).fetchone()
    return row["type"] if row and row["type"] in ("thumb", "image") else None
