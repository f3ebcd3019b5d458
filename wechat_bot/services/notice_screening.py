"""Privacy and secrecy screening of a notice's title, digest and body.

``privacy.scan`` finds personal data and secrecy markers; on top of it a notice
may list the names of the people involved (``private_names``): every
occurrence of one is a finding too, masked as 王某某.

Masking fixes personal data. It does not fix secrecy markers (the content
behind 「内部资料」 is still not publishable): those are ``blocking`` and stay
findings until someone rewrites the text; the mask placeholder 【请删除】 left
in a text is itself a blocking finding.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from . import privacy
from .notice_content import parse_names
from .textnorm import to_simplified

FIELD_LABELS = {"title": "标题", "digest": "摘要", "body": "正文"}
PLACEHOLDER = privacy.SENSITIVE_MASK
BLOCKING = frozenset(privacy.BLOCKING_KINDS) | {"placeholder"}


@dataclass(frozen=True)
class FieldFinding:
    field: str  # title | digest | body
    finding: privacy.Finding

    @property
    def where(self) -> str:
        return FIELD_LABELS[self.field]

    @property
    def blocking(self) -> bool:
        """Masking cannot fix it: the text must be rewritten."""
        return self.finding.kind in BLOCKING

    def summary(self) -> dict[str, str]:
        """What the audit trail keeps: never the personal data itself, only its mask."""
        f = self.finding
        return {"field": self.field, "kind": f.kind, "label": f.label, "mask": f.mask, "message": f.message}


def describe(findings: Iterable[FieldFinding]) -> str:
    """'身份证号 1 处（正文）、手机号 2 处（正文、摘要）'."""
    places: dict[str, list[str]] = {}
    for item in findings:
        places.setdefault(item.finding.label, []).append(item.where)
    return "、".join(f"{label} {len(where)} 处（{'、'.join(dict.fromkeys(where))}）" for label, where in places.items())


def _name_mask(name: str) -> str:
    return (name[:2] if len(name) >= 4 else name[:1]) + "某某"


def _name_findings(text: str, names: list[str]) -> list[privacy.Finding]:
    found = []
    simplified = to_simplified(text)
    haystack = simplified if len(simplified) == len(text) else text
    for name in names:
        needle = to_simplified(name)
        start = haystack.find(needle)
        while start >= 0:
            end = start + len(needle)
            message = f"稿件登记的当事人姓名，应写作「{_name_mask(name)}」"
            found.append(privacy.Finding("name", start, end, text[start:end], _name_mask(text[start:end]), message, "姓名"))
            start = haystack.find(needle, end)
    return found


def _placeholder_findings(text: str) -> list[privacy.Finding]:
    found = []
    start = text.find(PLACEHOLDER)
    while start >= 0:
        end = start + len(PLACEHOLDER)
        message = "此处的涉密内容已标记，须修改稿件删除后才能通过"
        found.append(privacy.Finding("placeholder", start, end, PLACEHOLDER, PLACEHOLDER, message, "待删除内容"))
        start = text.find(PLACEHOLDER, end)
    return found


class Screener:
    """Screens and masks with the office's sensitive words (config ``[privacy]``)."""

    def __init__(self, sensitive_words: Iterable[str] = ()) -> None:
        self.sensitive_words = tuple(sensitive_words)

    def findings(self, text: str, private_names: str = "") -> list[privacy.Finding]:
        if not text:
            return []
        found = privacy.scan(text, self.sensitive_words)
        for extra in (*_name_findings(text, parse_names(private_names)), *_placeholder_findings(text)):
            if all(extra.end <= f.start or f.end <= extra.start for f in found):
                found.append(extra)
        return sorted(found, key=lambda f: f.start)

    def screen(self, title: str, digest: str, body: str, private_names: str = "") -> list[FieldFinding]:
        return [
            FieldFinding(name, finding)
            for name, text in (("title", title), ("digest", digest), ("body", body))
            for finding in self.findings(text or "", private_names)
        ]

    def mask(self, text: str, private_names: str = "") -> str:
        """``text`` with its personal data masked; secrecy markers are left for a rewrite."""
        fixable = [f for f in self.findings(text, private_names) if f.kind not in BLOCKING]
        return privacy.apply_masks(text, fixable) if fixable else text
