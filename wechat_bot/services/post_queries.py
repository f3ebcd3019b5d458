"""The post log as the console shows it: one local year, filtered, searched, with totals."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..errors import Invalid
from ..models.post import CHANNELS, Post
from .notice_content import CATEGORIES, parse_category
from .posts import parse_channel
from .reports import check_year
from .textnorm import to_simplified

PAGE_SIZE = 100
SEARCH_MAX = 100


@dataclass
class PostLog:
    year: int
    rows: list[Post] = field(default_factory=list)
    matched: int = 0  # rows matching every filter
    year_total: int = 0  # the whole year, no filter
    by_channel: dict[str, int] = field(default_factory=dict)  # within the year and the category/search filters
    page: int = 1
    pages: int = 1


def years(session: Session) -> list[int]:
    return list(session.scalars(select(Post.local_year).distinct().order_by(Post.local_year.desc())))


def post_log(session: Session, year: int, *, channel: str = "", category: str = "", text: str = "",
             page: int = 1, page_size: int = PAGE_SIZE) -> PostLog:
    """Newest first; ``channel``/``category`` accept codes or Chinese labels; ``text`` searches titles."""
    check_year(year)
    log = PostLog(year=year)
    base = [Post.local_year == year]
    if category:
        base.append(Post.category == parse_category(category))
    text = " ".join((text or "").split())
    if len(text) > SEARCH_MAX:
        raise Invalid(f"搜索词最多 {SEARCH_MAX} 个字")
    if text:
        variants = {text, to_simplified(text)}
        base.append(or_(*[Post.title.contains(v, autoescape=True) for v in variants],
                        *[Post.external_id == v for v in variants]))
    counts = dict(session.execute(select(Post.channel, func.count()).where(*base).group_by(Post.channel)).all())
    log.by_channel = {code: counts[code] for code in CHANNELS if counts.get(code)}
    log.year_total = session.scalar(select(func.count()).select_from(Post).where(Post.local_year == year)) or 0
    where = list(base)
    if channel:
        code = parse_channel(channel)
        where.append(Post.channel == code)
        log.matched = counts.get(code, 0)
    else:
        log.matched = sum(counts.values())
    log.pages = max(1, -(-log.matched // page_size))
    log.page = min(max(1, page), log.pages)
    log.rows = list(session.scalars(
        select(Post).where(*where).order_by(Post.published_at.desc(), Post.id.desc())
        .limit(page_size).offset((log.page - 1) * page_size)
    ))
    return log


__all__ = ["CATEGORIES", "CHANNELS", "PostLog", "post_log", "years"]
