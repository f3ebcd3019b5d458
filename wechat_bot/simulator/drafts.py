"""草稿箱: ``draft/add``, ``draft/get``, ``draft/delete`` (O-draft; wechat-platform.md §2.2).

Limits: 1–8 articles; title ≤ 32 chars, author ≤ 16, digest ≤ 128 (defaults to the
first 54 characters of the text for a single article); content < 20,000 chars and
< 1 MB, scripts and images hosted outside WeChat are removed; content_source_url
≤ 1 KB; ``thumb_media_id`` must be a permanent thumb/image id (40007 otherwise).
"""
from __future__ import annotations

import html
import json
import re
import secrets
import sqlite3
from typing import Any

from .api import ApiRequest, json_object, route
from .codes import ApiError, ok
from .media import MMBIZ_PREFIX, permanent_media_type
from .store import dumps

MAX_ARTICLES = 8
TITLE_MAX, AUTHOR_MAX, DIGEST_MAX = 32, 16, 128
CONTENT_MAX_CHARS, CONTENT_MAX_BYTES = 20_000, 1024 * 1024
SOURCE_URL_MAX_BYTES = 1024
DIGEST_DEFAULT_CHARS = 54

_SCRIPT = re.compile(r"<script\b.*?</script\s*>", re.IGNORECASE | re.DOTALL)
_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_SRC = re.compile(r"""\bsrc\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def clean_content(content: str) -> str:
    """What WeChat keeps of the HTML: no scripts, only images hosted by WeChat."""
    content = _SCRIPT.sub("", content)

    def keep_img(match: re.Match[str]) -> str:
        src = _SRC.search(match.group(0))
        ok_src = src and src.group(1).startswith((MMBIZ_PREFIX, "https://mmbiz.qpic.cn/"))
        return match.group(0) if ok_src else ""

    return _IMG.sub(keep_img, content)


def plain_text(content: str) -> str:
    return " ".join(html.unescape(_TAG.sub(" ", content)).split())


def _check_article(conn: sqlite3.Connection, art: Any, single: bool) -> dict[str, Any]:
    if not isinstance(art, dict):
        raise ApiError(47001)
    kind = art.get("article_type") or "news"
    if kind not in ("news", "newspic"):
        raise ApiError(47001)
    title = str(art.get("title") or "")
    author = str(art.get("author") or "")
    digest = str(art.get("digest") or "")
    content = str(art.get("content") or "")
    source_url = str(art.get("content_source_url") or "")
    if not title:
        raise ApiError(44003)
    if len(title) > TITLE_MAX:
        raise ApiError(45003)
    if len(author) > AUTHOR_MAX:
        raise ApiError(45110)
    if len(digest) > DIGEST_MAX:
        raise ApiError(45004)
    if not content:
        raise ApiError(44004)
    if len(content) >= CONTENT_MAX_CHARS or len(content.encode()) >= CONTENT_MAX_BYTES:
        raise ApiError(45002)
    if len(source_url.encode()) > SOURCE_URL_MAX_BYTES:
        raise ApiError(45005)
    thumb = str(art.get("thumb_media_id") or "")
    if kind == "news" and not permanent_media_type(conn, thumb):
        raise ApiError(40007)
    images = (art.get("image_info") or {}).get("image_list") or []
    if kind == "newspic":
        if not images or any(
                permanent_media_type(conn, str(i.get("image_media_id"))) != "image"
                for i in images):
            raise ApiError(40007)
    content = clean_content(content)
    if not digest and single:
        digest = plain_text(content)[:DIGEST_DEFAULT_CHARS]
    thumb_row = conn.execute("SELECT url FROM media WHERE media_id = ?", (thumb,)).fetchone()
    return {
        "article_type": kind, "title": title, "author": author,
        "digest": digest if single else "", "content": content,
        "content_source_url": source_url, "thumb_media_id": thumb,
        "thumb_url": (thumb_row["url"] if thumb_row else None) or "",
        "need_open_comment": int(art.get("need_open_comment") or 0),
        "only_fans_can_comment": int(art.get("only_fans_can_comment") or 0),
        "image_info": {"image_list": images} if kind == "newspic" else None,
    }


@route("draft/add")
def add_draft(ctx: Any, conn: sqlite3.Connection, req: ApiRequest) -> dict[str, Any]:
    articles = json_object(req).get("articles")
    if not isinstance(articles, list) or not articles:
        raise ApiError(44003)
    if len(articles) > MAX_ARTICLES:
        raise ApiError(45008)
    checked = [_check_article(conn, a, len(articles) == 1) for a in articles]
    media_id = secrets.token_urlsafe(48)
    conn.execute("INSERT INTO drafts (media_id, articles, created_at) VALUES (?, ?, ?)",
                 (media_id, dumps(checked), req.now))
    return {"media_id": media_id}


def load_draft(conn: sqlite3.Connection, media_id: object) -> list[dict[str, Any]]:
    row = conn.execute("SELECT articles FROM drafts WHERE media_id = ?",
                       (str(media_id or ""),)).fetchone()
    if row is None:
        raise ApiError(40007)
    return list(json.loads(row["articles"]))


def drop_draft(conn: sqlite3.Connection, media_id: str) -> None:
    conn.execute("DELETE FROM drafts WHERE media_id = ?", (media_id,))


@route("draft/get")
def get_draft(ctx: Any, conn: sqlite3.Connection, req: ApiRequest) -> dict[str, Any]:
    media_id = json_object(req).get("media_id")
    items = []
    for idx, art in enumerate(load_draft(conn, media_id), start=1):
        item = {k: v for k, v in art.items() if v is not None}
        item["url"] = (f"http://mp.weixin.qq.com/s?__biz={ctx.biz}&mid=100000000&idx={idx}"
                       f"&tempkey={secrets.token_hex(16)}&chksm=0#rd")
        items.append(item)
    return {"news_item": items}


@route("draft/delete")
def delete_draft(ctx: Any, conn: sqlite3.Connection, req: ApiRequest) -> dict[str, Any]:
    media_id = json_object(req).get("media_id")
    load_draft(conn, media_id)
    drop_draft(conn, str(media_id))
    return ok()
