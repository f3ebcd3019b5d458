"""The article HTML with the privacy findings marked (<mark>), for the live preview and the review page.

The findings are positions in the Markdown source. Each is wrapped in
private-use sentinels before rendering: the start is ``MARK_OPEN`` followed by
one character naming the finding (``FIRST_ID`` + its index), the end is
``MARK_CLOSE``. After rendering, sentinels inside a tag (an image's alt text,
a URL) are dropped, never turned into markup; in text, a finding that crosses
tags is marked piece by piece, so the HTML stays well formed.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass

from ..services.notice_content import render_html

MARK_OPEN, MARK_CLOSE = "\ue000", "\ue001"
FIRST_ID = 0xF0000  # Supplementary Private Use Area-A: 65,534 findings at most
_SENTINELS = re.compile(f"{MARK_OPEN}([{chr(FIRST_ID)}-{chr(FIRST_ID + 0xFFFD)}])?|{MARK_CLOSE}")
_TAG = re.compile(r'(<(?:[^>"]|"[^"]*")*>)')  # nh3's output: attribute values are always double-quoted
_EMPTY_MARK = re.compile(r'<mark class="finding" title="[^"]*">(\s*)</mark>')


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    title: str


def render_highlighted(body: str, spans: list[Span]) -> str:
    """The article HTML with each span of the Markdown source marked, in text only."""
    body = (body or "").replace(MARK_OPEN, "\ufffd").replace(MARK_CLOSE, "\ufffd")  # no forged marks
    pieces: list[str] = []
    titles: list[str] = []
    cursor = 0
    for span in sorted(spans, key=lambda s: s.start):
        if span.start < cursor or span.end <= span.start or len(titles) >= 0xFFFE:
            continue  # overlapping findings: the first one marks the text
        pieces += [body[cursor : span.start], MARK_OPEN + chr(FIRST_ID + len(titles)), body[span.start : span.end],
                   MARK_CLOSE]
        titles.append(span.title)
        cursor = span.end
    pieces.append(body[cursor:])
    return place_marks(render_html("".join(pieces)), titles)


def place_marks(rendered: str, titles: list[str]) -> str:
    """Turn the sentinels in ``rendered`` into <mark> elements (text nodes only)."""
    out: list[str] = []
    current: str | None = None  # the title of the finding open at this point of the text
    for index, piece in enumerate(_TAG.split(rendered)):
        if index % 2:  # a tag
            out.append(_SENTINELS.sub("", piece))
            continue
        if current is not None:
            out.append(_opening(current))
        cursor = 0
        for match in _SENTINELS.finditer(piece):
            out.append(piece[cursor : match.start()])
            cursor = match.end()
            if current is not None:
                out.append("</mark>")
                current = None
            named = match.group(1)
            number = ord(named) - FIRST_ID if named else -1
            if 0 <= number < len(titles):
                current = titles[number]
                out.append(_opening(current))
        out.append(piece[cursor:])
        if current is not None:
            out.append("</mark>")
    return _EMPTY_MARK.sub(r"\1", "".join(out))


def _opening(title: str) -> str:
    return f'<mark class="finding" title="{html.escape(title)}">'
