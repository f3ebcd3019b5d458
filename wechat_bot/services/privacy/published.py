"""The text a reader sees in an HTML article, for scanning what is published rather
than the Markdown it was written in.

Markup can split a number in the source and join it on the page: 1381234**5678**,
138<b></b>12345678, <span>1381234</span><span>5678</span> and 1381234&#53;678 all
show 13812345678. So inline tags join their neighbours, block tags (paragraphs, list
items, headings, line breaks, images) separate them, character references are
decoded, and whitespace collapses as a browser collapses it. Attributes a reader can
see (an image's alt text, any element's title tooltip) follow the article, one per
line.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

# Elements that start a new line on the page; every other element is inline and adds
# nothing between the texts around it.
_BLOCKS = frozenset(
    "address article aside blockquote br dd div dl dt figcaption figure footer h1 h2"
    " h3 h4 h5 h6 header hr img li main nav ol p pre section table tbody td tfoot th"
    " thead tr ul".split()
)
_SHOWN_ATTRIBUTES = ("alt", "title")
_SPACES_RE = re.compile(r"[^\S\n]+")
_BREAKS_RE = re.compile(r" ?\n[\n ]*")


class _Reader(HTMLParser):
    def __init__(self) -> None:
        # Character references (&#48;, &amp;) reach handle_data and attrs decoded.
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self.attributes: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self.pieces.append("\n")
        for name, value in attrs:
            if name in _SHOWN_ATTRIBUTES and value:
                self.attributes.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.pieces.append("\n")

    def handle_data(self, data: str) -> None:
        # Inside an element a newline is just a space (a Markdown soft line break shows
        # as one), so only the tags above make line breaks.
        self.pieces.append(_SPACES_RE.sub(" ", data.replace("\n", " ")))


def published_text(html: str) -> str:
    """The article's visible text: blocks one per line, then its alt and title texts."""
    reader = _Reader()
    reader.feed(html or "")
    reader.close()
    attributes = (" ".join(value.split()) for value in reader.attributes)
    text = "\n".join(["".join(reader.pieces), *attributes])
    return _BREAKS_RE.sub("\n", _SPACES_RE.sub(" ", text)).strip()
