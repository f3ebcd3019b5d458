"""The normalised copy of a notice that every detector matches on.

It is 繁→简 (OpenCC) and full-width → ASCII, and exactly as long as the original, so
every offset refers to the original text. OpenCC's tables are read on first use, not
at import.

Before that, `without_invisible` drops the characters a reader never sees (zero-width
spaces and joiners, BOM, soft hyphen, direction marks): one inside a number hides it
from every pattern while the published article still shows the whole number. It
returns where each remaining character was, so findings map back to the original."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path


_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
# Ideographic, no-break, figure and narrow no-break spaces look like a space (text
# pasted from Word is full of U+00A0): "138\u00a01234\u00a05678" is a grouped number.
_WIDTH.update(dict.fromkeys((0x3000, 0xA0, 0x2007, 0x202F), 0x20))

# Format characters that render as nothing: soft hyphen, combining grapheme joiner,
# Arabic letter mark, Mongolian selectors, zero-width space/non-joiner/joiner, direction
# marks and embeddings, word joiner and invisible operators, variation selectors, BOM.
_INVISIBLE = (
    "\u00ad\u034f\u061c\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u206f\ufe00-\ufe0f\ufeff"
)
_INVISIBLE_RE = re.compile(f"[{_INVISIBLE}]")
_VISIBLE_RUN_RE = re.compile(f"[^{_INVISIBLE}]+")


def without_invisible(text: str) -> tuple[str, list[int] | None]:
    """`text` without invisible characters, and the offset in `text` of each character
    kept (None when nothing was dropped: offsets are then the same)."""
    if not _INVISIBLE_RE.search(text):
        return text, None
    pieces, offsets = [], []
    for run in _VISIBLE_RUN_RE.finditer(text):
        pieces.append(run.group())
        offsets.extend(range(run.start(), run.end()))
    return "".join(pieces), offsets


@lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC  # building the converter reads its tables: first use only

    return OpenCC("t2s")


@lru_cache(maxsize=1)
def _traditional_chars() -> frozenset[str] | None:
    """Characters t2s changes; text without any of them needs no conversion.

    OpenCC's converter costs ~1.5 ms per 1,000 characters; simplified text skips it.
    None (always convert) when the table cannot be read.
    """
    try:
        import opencc

        table = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
        chars = set()
        with table.open(encoding="utf-8") as lines:
            for line in lines:
                key, _, values = line.rstrip("\n").partition("\t")
                if values.split() and values.split()[0] != key:
                    chars.add(key)
        return frozenset(chars)
    except OSError:
        return None


# OpenCC converts each run between these separators on its own, so converting only the
# runs that hold a traditional character gives the same result, faster.
_RUN_RE = re.compile(r"[^\s,.?!，。、；：？！“”（）《》【】]+")


def _to_simplified(text: str) -> str:
    trad = _traditional_chars()
    if trad is not None and trad.isdisjoint(text):
        return text

    def convert(run: re.Match) -> str:
        original = run.group()
        if trad is not None and trad.isdisjoint(original):
            return original
        simple = _t2s().convert(original)
        # Offsets must stay valid: a run whose length changed is matched as written.
        return simple if len(simple) == len(original) else original

    return _RUN_RE.sub(convert, text)


def normalise(text: str) -> str:
    """Same length as `text`, char for char: simplified, ASCII digits and letters."""
    return _to_simplified(text).translate(_WIDTH)


def normalise_word(word: str) -> str:
    return normalise(word.strip())

