"""`posts import FILE.csv`: posts made on any channel, checked whole before anything is written.

CONTRACT §5: UTF-8 with or without BOM, header ``published_at,channel,category,title,url,external_id``;
``url`` and ``external_id`` may be empty; ``published_at`` without an offset is the bureau's local time.
A file with any bad row is refused whole, naming every bad line (numbered as in the file) and why.
Re-importing adds nothing: each row's key (``posts.dedup_key``) is looked up in bulk, and the new rows
go in with bulk inserts inside one transaction. The same row twice in one file counts once.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import lru_cache

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import Invalid
from ..models.base import utcnow
from ..models.post import CHANNELS, Post
from . import posts
from .notice_content import CATEGORIES, parse_category, parse_local_time

COLUMNS = ("published_at", "channel", "category", "title", "url", "external_id")
REQUIRED = ("published_at", "channel", "category", "title")
CHUNK = 500  # keys per lookup and rows per insert: well under SQLite's bound-parameter limit
Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class ImportResult:
    rows: int = 0  # data rows in the file
    added: int = 0  # rows written now
    already: int = 0  # rows that were logged before (an earlier import, the console, publishing)
    repeated: int = 0  # rows that repeat an earlier row of the same file


class ImportRefused(Invalid):
    """The file was refused whole; ``problems`` lists (line number, reason) for every bad line."""

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        self.problems = problems
        super().__init__(f"文件中有 {len(problems)} 行不正确，整个文件未导入（没有写入任何记录）")

    def lines(self) -> list[str]:
        return [f"第 {line} 行：{reason}" for line, reason in self.problems] + choices_hint(self.problems)


def decode(data: bytes) -> str:
    """UTF-8 with or without BOM; an undecodable byte is refused naming its line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportRefused([(line, "不是 UTF-8 编码的文字（请在表格软件中另存为“CSV UTF-8”）")]) from None


@lru_cache(maxsize=256)
def _channel(text: str) -> str:
    try:
        return posts.parse_channel(text)
    except Invalid:
        raise Invalid(f"未知的渠道“{text}”") from None


@lru_cache(maxsize=256)
def _category(text: str) -> str:
    try:
        return parse_category(text)
    except Invalid:
        raise Invalid(f"未知的栏目“{text}”") from None


def choices_hint(problems: list[tuple[int, str]]) -> list[str]:
    """The valid codes, once, when some line named an unknown channel or category."""
    hints = []
    if any("未知的渠道" in reason for _, reason in problems):
        hints.append("渠道可写代码或中文名称：" + "、".join(f"{c}（{l}）" for c, l in CHANNELS.items()))
    if any("未知的栏目" in reason for _, reason in problems):
        hints.append("栏目可写代码或中文名称：" + "、".join(f"{c}（{l}）" for c, l in CATEGORIES.items()))
    return hints


def _records(text: str) -> Iterator[tuple[int, list[str] | str]]:
    """(first line number of the record, fields); blank lines are skipped.

    A record the CSV reader cannot read (an unpaired quote runs to the end of the file)
    comes as (line, reason) and ends the records.
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    last = 0
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield last + 1, f"CSV 格式错误（{exc}），通常是引号未配对；此行之后的内容无法读取"
            return
        start, last = last + 1, reader.line_num
        if fields and any(value.strip() for value in fields):
            yield start, fields


def _header(line: int, fields: list[str]) -> dict[str, int]:
    names = [name.strip().lower() for name in fields]
    missing = [name for name in REQUIRED if name not in names]
    unknown = [name for name in names if name not in COLUMNS]
    if missing or unknown or len(set(names)) != len(names):
        raise ImportRefused([(line, f"表头应为 {','.join(COLUMNS)}（url 和 external_id 两列可省略），现在是 {','.join(fields)}")])
    return {name: index for index, name in enumerate(names)}


def _row(fields: list[str], columns: dict[str, int], tz: tzinfo) -> dict:
    if len(fields) != len(columns):
        raise Invalid(f"应有 {len(columns)} 列，实有 {len(fields)} 列")

    def get(name: str) -> str:
        return fields[columns[name]].strip() if name in columns else ""

    reasons: list[str] = []
    values: dict = {}
    for name, parse in (
        ("published_at", lambda v: _published(v, tz)),
        ("channel", _channel),
        ("category", _category),
        ("title", posts.clean_title),
        ("url", posts.clean_url),
        ("external_id", posts.clean_external_id),
    ):
        try:
            values[name] = parse(get(name))
        except Invalid as exc:
            reasons.append(exc.message)
    if reasons:
        raise Invalid("；".join(reasons))
    return values


def _published(text: str, tz: tzinfo) -> datetime:
    if not text:
        raise Invalid("发布时间（published_at）为空")
    when = parse_local_time(text, tz)
    assert when is not None
    return when


def read(data: bytes, tz: tzinfo, progress: Progress | None = None) -> tuple[list[dict], int, int]:
    """Check every row; returns (distinct rows with their keys, data rows, repeats within the file).

    Raises ImportRefused naming every bad line; nothing is touched.
    """
    records = list(_records(decode(data)))
    if not records:
        raise ImportRefused([(1, f"文件是空的：第一行应为表头 {','.join(COLUMNS)}")])
    if isinstance(records[0][1], str):
        raise ImportRefused([records[0]])
    columns = _header(*records[0])
    body = records[1:]
    problems: list[tuple[int, str]] = []
    rows: dict[str, dict] = {}
    repeated = 0
    for done, (line, fields) in enumerate(body, 1):
        if progress and (done % 1000 == 0 or done == len(body)):
            progress("check", done, len(body))
        if isinstance(fields, str):
            problems.append((line, fields))
            continue
        try:
            row = _row(fields, columns, tz)
        except Invalid as exc:
            problems.append((line, exc.message))
        else:
            key = posts.dedup_key(channel=row["channel"], published_at=row["published_at"],
                                  title=row["title"], external_id=row["external_id"])
            if key in rows:
                repeated += 1
            else:
                rows[key] = row | {"dedup_key": key}
    if problems:
        raise ImportRefused(problems)
    return list(rows.values()), len(body), repeated


def existing_keys(session: Session, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start:start + CHUNK]
        found.update(session.scalars(select(Post.dedup_key).where(Post.dedup_key.in_(chunk))))
    return found


def import_csv(session: Session, data: bytes, *, tz: tzinfo, by: str = "",
               progress: Progress | None = None) -> ImportResult:
    """Check the whole file, then add the rows not yet logged in one transaction (commits)."""
    rows, count, repeated = read(data, tz, progress)
    known = existing_keys(session, [row["dedup_key"] for row in rows])
    now = utcnow()
    new = [
        {
            "channel": row["channel"], "category": row["category"], "title": row["title"],
            "published_at": row["published_at"], "local_year": posts.local_year(row["published_at"], tz),
            "url": row["url"], "external_id": row["external_id"], "dedup_key": row["dedup_key"],
            "source": "import", "original": False, "created_by": by, "created_at": now,
        }
        for row in rows
        if row["dedup_key"] not in known
    ]
    try:
        for start in range(0, len(new), CHUNK):
            session.execute(insert(Post), new[start:start + CHUNK])
            if progress:
                progress("write", min(start + CHUNK, len(new)), len(new))
        session.commit()
    except IntegrityError:  # another writer logged one of these rows between our lookup and insert
        session.rollback()
        raise Invalid("写入时发现有记录刚被同时写入（可能另一次导入正在进行），本次未写入任何记录，请重新运行导入") from None
    except Exception:
        session.rollback()
        raise
    return ImportResult(rows=count, added=len(new), already=len(rows) - len(new), repeated=repeated)
