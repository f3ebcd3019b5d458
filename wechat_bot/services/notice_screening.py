"""Privacy and secrecy screening of a notice's title, author, digest and body.

``privacy.scan`` finds personal data and secrecy markers; on top of it a notice
may list the names of the people involved (``private_names``): every
occurrence of one is a finding too, masked as 王某某.

Masking fixes personal data. It does not fix secrecy markers (the content
behind 「内部资料」 is still not publishable): those are ``blocking`` and stay
findings until someone rewrites the text; the mask placeholder 【请删除】 left
in a text is itself a blocking finding.

The body is screened twice: as written (Markdown, whose findings can be masked in
place) and as published (the rendered article's visible text, see
``privacy.published_text``), because markup can hide a number from the first scan
and show it whole on the page (1381234**5678**). What only the second scan finds has
no position in the source, so it is blocking: the author must rewrite it.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace

from . import privacy
from .notice_content import parse_names, render_html
from .textnorm import to_simplified

FIELD_LABELS = {"title": "标题", "author": "作者", "digest": "摘要", "body": "正文", "published": "正文（排版后）"}
PLACEHOLDER = privacy.SENSITIVE_MASK
BLOCKING = frozenset(privacy.BLOCKING_KINDS) | {"placeholder"}
# Fields whose findings one-click masking does not fix: the published text has no
# source positions, and NoticeWorkflow.apply_masks masks title, digest and body only.
UNMASKABLE_FIELDS = frozenset({"published", "author"})


@dataclass(frozen=True)
class FieldFinding:
    field: str  # title | author | digest | body | published (positions in the rendered text)
    finding: privacy.Finding

    @property
    def where(self) -> str:
        return FIELD_LABELS[self.field]

    @property
    def blocking(self) -> bool:
        """Masking cannot fix it: the text must be rewritten."""
        return self.finding.kind in BLOCKING or self.field in UNMASKABLE_FIELDS

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


PRIVATE_NAMES_MAX = 50


def private_name_list(text: str) -> list[str]:
    """The names to look for: each once, at least two characters (a single character would
    mark every word it begins), at most ``PRIVATE_NAMES_MAX`` of them."""
    names = dict.fromkeys(name for name in parse_names(text) if len(name) >= 2)
    return list(names)[:PRIVATE_NAMES_MAX]


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


def _page(body: str) -> str:
    """What a reader sees of a Markdown body."""
    return privacy.published_text(render_html(body))


def _same_data(finding: privacy.Finding) -> str:
    """What a finding shows, ignoring width, script, case, spacing and punctuation:
    the source's 138-1234-5678 and the page's 138 1234 5678 are the same number."""
    shown, _ = privacy.without_invisible(finding.text)
    return "".join(ch for ch in privacy.normalise(shown) if ch.isalnum()).lower()


def _published_only(found: list[privacy.Finding], in_source: list[privacy.Finding]) -> list[privacy.Finding]:
    """Findings of the published text that the source scan did not report (by count:
    one masked copy of a number does not excuse a second, hidden one)."""
    unclaimed = Counter(_same_data(f) for f in in_source)
    extra = []
    for f in found:
        key = _same_data(f)
        if unclaimed[key]:
            unclaimed[key] -= 1
            continue
        message = f"正文排版后出现疑似{f.label}（可能被格式标记拆开），请直接修改原文"
        extra.append(replace(f, message=message))
    return extra


class Screener:
    """Screens and masks with the office's sensitive words (config ``[privacy]``)."""

    def __init__(self, sensitive_words: Iterable[str] = ()) -> None:
        self.sensitive_words = tuple(sensitive_words)

    def findings(self, text: str, private_names: str = "") -> list[privacy.Finding]:
        if not text:
            return []
        # Names and placeholders too are matched as a reader sees them (王\u200b小明).
        shown, offsets = privacy.without_invisible(text)
        found = privacy.scan(shown, self.sensitive_words)
        # Positions already covered, so each extra finding is checked in its own length
        # (comparing it with every finding was quadratic in a hostile body).
        covered = bytearray(len(shown) + 1)
        for f in found:
            covered[f.start:f.end] = b"\x01" * (f.end - f.start)
        for extra in (*_name_findings(shown, private_name_list(private_names)), *_placeholder_findings(shown)):
            if not any(covered[extra.start:extra.end]):
                found.append(extra)
                covered[extra.start:extra.end] = b"\x01" * (extra.end - extra.start)
        return privacy.relocate(sorted(found, key=lambda f: f.start), text, offsets)

    def screen(
        self, title: str, digest: str, body: str, private_names: str = "", author: str = ""
    ) -> list[FieldFinding]:
        """Findings in each published field; the body's as written, then what only the
        rendered article shows (field ``published``)."""
        fields = (("title", title), ("author", author), ("digest", digest), ("body", body))
        found = [
            FieldFinding(name, finding)
            for name, text in fields
            for finding in self.findings(text or "", private_names)
        ]
        if body:
            in_source = [item.finding for item in found if item.field == "body"]
            on_page = self.findings(_page(body), private_names)
            found += [FieldFinding("published", f) for f in _published_only(on_page, in_source)]
        return found

    def mask(self, text: str, private_names: str = "", markdown: bool = False) -> str:
        """``text`` with its personal data masked; secrecy markers are left for a rewrite.

        ``markdown``: ``text`` is a body. Inside emphasis its renderer reads a mask's
        stars as markup (**138****5678** is published as 1385678), so there they are
        escaped; elsewhere the source keeps the readable 138****5678. A plain title or
        digest would show the backslashes."""
        fixable = [f for f in self.findings(text, private_names) if f.kind not in BLOCKING]
        if not fixable:
            return text
        masked = privacy.apply_masks(text, fixable)
        if markdown:
            escaped = privacy.apply_masks(text, [replace(f, mask=f.mask.replace("*", "\\*")) for f in fixable])
            if _page(masked) != _page(escaped):
                return escaped
        return masked
