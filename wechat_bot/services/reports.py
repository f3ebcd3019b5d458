"""The year's tallies for the annual government-information-disclosure report (CONTRACT §6).

Everything is counted in the bureau's local year: a post at 2020-01-01 00:10 Beijing time
belongs to 2020 whatever UTC says. Posts carry their ``local_year``; months are cut at the
local month boundaries (in UTC) inside one grouped query, so a year of 100,000 posts is
three small queries.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ..errors import Invalid
from ..models.post import CHANNELS, Post
from .consultations import consultation_figures
from .notice_content import CATEGORIES, YEAR_MAX, YEAR_MIN

MONTHS = tuple(f"{m:02d}" for m in range(1, 13))


@dataclass
class AnnualReport:
    year: int
    timezone: str
    account_name: str
    bureau_name: str
    total: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)
    by_category: dict[str, int] = field(default_factory=dict)
    by_channel_category: dict[str, dict[str, int]] = field(default_factory=dict)
    by_month: dict[str, int] = field(default_factory=dict)
    by_month_channel: dict[str, dict[str, int]] = field(default_factory=dict)  # month → channel → n
    original: dict[str, int] = field(default_factory=dict)  # 原创 per channel
    consultations: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        """Exactly the keys of CONTRACT §6 (zero counts left out, except the twelve months)."""
        return {
            "year": self.year, "timezone": self.timezone, "total": self.total,
            "by_channel": self.by_channel, "by_category": self.by_category,
            "by_channel_category": self.by_channel_category, "by_month": self.by_month,
            "consultations": self.consultations,
        }


def check_year(year: int) -> int:
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise Invalid(f"年份应在 {YEAR_MIN}—{YEAR_MAX} 之间，现在是 {year}")
    return year


def _ordered(counts: dict[str, int], order: dict[str, str]) -> dict[str, int]:
    """Codes in CONTRACT order (unknown codes last), zero counts left out."""
    known = [code for code in order if counts.get(code)]
    rest = sorted(code for code in counts if code not in order and counts[code])
    return {code: counts[code] for code in known + rest}


def month_case(year: int, tz: tzinfo):
    """SQL: the local month (1..12) of published_at for a post of the local year."""
    bounds = [datetime(year, m, 1, tzinfo=tz).astimezone(UTC) for m in range(2, 13)]
    return case(*[(Post.published_at < bound, month) for month, bound in enumerate(bounds, 1)], else_=12)


def annual_report(session: Session, year: int, tz: tzinfo, *, timezone: str, account_name: str,
                  bureau_name: str) -> AnnualReport:
    check_year(year)
    report = AnnualReport(year=year, timezone=timezone, account_name=account_name, bureau_name=bureau_name)
    in_year = Post.local_year == year
    pairs = session.execute(
        select(Post.channel, Post.category, func.count(), func.sum(case((Post.original, 1), else_=0)))
        .where(in_year).group_by(Post.channel, Post.category)
    ).all()
    channels: dict[str, int] = {}
    categories: dict[str, int] = {}
    matrix: dict[str, dict[str, int]] = {}
    for channel, category, count, original in pairs:
        channels[channel] = channels.get(channel, 0) + count
        categories[category] = categories.get(category, 0) + count
        matrix.setdefault(channel, {})[category] = count
        report.original[channel] = report.original.get(channel, 0) + int(original or 0)
    report.total = sum(channels.values())
    report.by_channel = _ordered(channels, CHANNELS)
    report.by_category = _ordered(categories, CATEGORIES)
    report.by_channel_category = {ch: _ordered(matrix[ch], CATEGORIES) for ch in report.by_channel}

    month = month_case(year, tz).label("month")
    report.by_month = dict.fromkeys(MONTHS, 0)
    report.by_month_channel = {m: {} for m in MONTHS}
    for number, channel, count in session.execute(
        select(month, Post.channel, func.count()).where(in_year).group_by(month, Post.channel)
    ):
        key = f"{int(number):02d}"
        report.by_month[key] += count
        report.by_month_channel[key][channel] = count
    report.consultations = consultation_figures(session, year, tz)
    return report


def report_for(session: Session, settings, year: int) -> AnnualReport:
    """The report with the bureau's settings (time zone, names)."""
    return annual_report(session, year, settings.tz, timezone=settings.bureau.timezone,
                         account_name=settings.bureau.account_name, bureau_name=settings.bureau.name)
