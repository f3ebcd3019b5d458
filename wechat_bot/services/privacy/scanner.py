"""`scan()` runs every detector on the normalised text (invisible characters dropped)
and keeps the findings that `apply_masks()` can apply."""
from __future__ import annotations

from collections.abc import Iterable

from .context import url_spans
from .findings import Finding, relocate, without_overlaps
from .normalise import normalise, without_invisible
from .numbers import find_bank_cards, find_id_numbers, find_landlines, find_mobiles
from .people import find_aged_names, find_role_names
from .places import find_addresses, find_emails, find_plates
from .words import find_sensitive_words

_DETECTORS = (
    find_emails, find_id_numbers, find_mobiles, find_bank_cards, find_landlines,
    find_plates, find_aged_names, find_role_names, find_addresses,
)


def scan(text: str, sensitive_words: Iterable[str] = ()) -> list[Finding]:
    """Findings in `text`, sorted by start and non-overlapping.

    `sensitive_words` (the staff's list) is matched as plain substrings, 繁 or 简, on
    top of DEFAULT_SENSITIVE_WORDS.
    """
    if isinstance(sensitive_words, str):
        raise TypeError("sensitive_words must be a collection of words, not one str")
    if not text:
        return []
    # Detectors see the text as a reader does: 138\u200b1234\u200b5678 is a number.
    shown, offsets = without_invisible(text)
    norm = normalise(shown)
    urls = url_spans(norm)
    candidates = [f for detect in _DETECTORS for f in detect(shown, norm, urls)]
    candidates.extend(find_sensitive_words(shown, norm, sensitive_words))
    return relocate(without_overlaps(candidates), text, offsets)


def apply_masks(
    text: str,
    findings: Iterable[Finding] | None = None,
    sensitive_words: Iterable[str] = (),
) -> str:
    """`text` with each finding replaced by its mask (scans when findings is None)."""
    if findings is None:
        findings = scan(text, sensitive_words)
    pieces, cursor = [], 0
    for f in sorted(findings, key=lambda f: f.start):
        if f.start < cursor:
            raise ValueError("findings overlap")
        if text[f.start : f.end] != f.text:
            raise ValueError(f"finding {f.text!r} at {f.start} does not match the text")
        pieces += [text[cursor : f.start], f.mask]
        cursor = f.end
    pieces.append(text[cursor:])
    return "".join(pieces)
