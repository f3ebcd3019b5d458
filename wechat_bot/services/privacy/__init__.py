"""Privacy and secrecy screening of a notice before it can be approved.

`scan()` finds personal data (ID, phone and bank card numbers, licence plates, house
numbers, e-mail addresses, real names, named minors) and secrecy markers in a notice's
text; `apply_masks()` replaces each finding by its suggested mask.

Matching runs on a normalised copy of the text (繁→简 via OpenCC, full-width → ASCII,
invisible characters such as U+200B left out), and every offset refers to the original.
Plain Python: no Flask, no database. OpenCC's tables are read on first use, not at
import.

Precision matters as much as recall: approval refuses any text with a finding, so a
false alarm blocks an ordinary notice. Hence the context rules (public contact numbers
of the bureau, case numbers, prose such as 国家秘密 are not findings).

Modules, one idea each: `findings` (the Finding type, masks, overlaps), `normalise`
(the normalised copy), `context` (the context rules), `numbers` (ID, bank card and
phone numbers), `places` (e-mail, plates, house numbers), `people` (names, minors),
`words` (secrecy markers, staff words), `scanner` (`scan`, `apply_masks`) and
`published` (`published_text`: what a reader sees of an HTML article, to scan it too).
"""
from __future__ import annotations

from .findings import BLOCKING_KINDS, KIND_LABELS, Finding, relocate
from .normalise import normalise, without_invisible
from .published import published_text
from .scanner import apply_masks, scan
from .words import DEFAULT_SENSITIVE_WORDS, SENSITIVE_MASK

__all__ = [
    "BLOCKING_KINDS",
    "DEFAULT_SENSITIVE_WORDS",
    "KIND_LABELS",
    "SENSITIVE_MASK",
    "Finding",
    "apply_masks",
    "normalise",
    "published_text",
    "relocate",
    "scan",
    "without_invisible",
]
