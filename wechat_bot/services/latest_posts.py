"""警务公开 → 最新发布: the latest WeChat articles from the post log, with their links."""
from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models.post import Post

EMPTY = "暂时还没有新的警务发布。您可以查看公众号历史消息，或直接发问题查询办事指南。"


def latest_text(session: Session, tz: tzinfo, *, limit: int = 5,
                link: Callable[[str], str] = lambda url: url) -> str:
    """Newest first; each line the local date, the title and the article link when WeChat gave one."""
    rows = list(session.scalars(select(Post).where(Post.channel == "wechat")
                                .order_by(Post.published_at.desc(), Post.article_index).limit(limit)))
    if not rows:
        return EMPTY
    lines = ["【最新发布】"]
    for i, post in enumerate(rows, 1):
        day = post.published_at.astimezone(tz)
        lines.append(f"{i}. {day.month}月{day.day}日 {post.title}")
        if post.url:
            lines.append(link(post.url))
    return "\n".join(lines)


def latest_reply(sessions: Callable[[], Session], tz: tzinfo, *, limit: int = 5,
                 link: Callable[[str], str] = lambda url: url) -> str:
    """``latest_text`` in a database session of its own (for the WeChat handlers)."""
    with sessions() as session:
        return latest_text(session, tz, limit=limit, link=link)


def sandbox_link(site_url: str) -> Callable[[str], str]:
    """In sandbox mode an article link opens the simulator's article page instead of mp.weixin.qq.com."""
    def link(url: str) -> str:
        parts = urlsplit(url)
        if parts.netloc == "mp.weixin.qq.com" and parts.path == "/s":
            return f"{site_url}/sandbox/s?{parts.query}"
        return url
    return link
