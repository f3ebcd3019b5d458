"""What a scan reports: the Finding type and its kinds, masks, and which of two
overlapping findings is kept."""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Finding:
    kind: str  # one of KIND_LABELS
    start: int  # character offset in the text
    end: int
    text: str  # text[start:end]
    mask: str  # suggested replacement
    message: str  # explanation for staff (简体中文)
    label: str  # short Chinese label of the kind


KIND_LABELS: dict[str, str] = {
    "id_number": "身份证号",
    "mobile": "手机号",
    "landline": "固定电话",
    "bank_card": "银行卡号",
    "plate": "车牌号",
    "address": "详细地址",
    "email": "电子邮箱",
    "name": "姓名",
    "minor": "未成年人",
    "sensitive_word": "涉密标识",
}

# Masking a secrecy marker does not make the content behind it publishable.
BLOCKING_KINDS = frozenset({"sensitive_word"})


def make_finding(
    kind: str, text: str, start: int, end: int, mask: str, message: str
) -> Finding:
    return Finding(kind, start, end, text[start:end], mask, message, KIND_LABELS[kind])


def mask_at(original: str, positions: Iterable[int]) -> str:
    chars = list(original)
    for i in positions:
        chars[i] = "*"
    return "".join(chars)


def mask_digits(original: str, norm: str, keep_head: int, keep_tail: int) -> str:
    """Star the digits (and a final X) of `original`, keeping the first and last few."""
    positions = [i for i, ch in enumerate(norm) if ch.isdigit() or ch in "Xx"]
    return mask_at(original, positions[keep_head : len(positions) - keep_tail])


# When two findings overlap, the earlier kind in this tuple wins (an e-mail address may
# contain a mobile number; a name given with a minor's age is a minor).
_PRIORITY = (
    "email", "id_number", "mobile", "bank_card", "landline", "plate", "minor", "name",
    "address", "sensitive_word",
)


def without_overlaps(candidates: list[Finding]) -> list[Finding]:
    rank = {kind: i for i, kind in enumerate(_PRIORITY)}
    # The chosen findings never overlap, so sorted by start they are sorted by end too:
    # a candidate overlaps one of them only if it overlaps its neighbours there
    # (O(log n) each; comparing with every chosen finding was O(n²)).
    starts: list[int] = []
    chosen: list[Finding] = []
    for f in sorted(candidates, key=lambda f: (rank[f.kind], f.start - f.end, f.start)):
        i = bisect_right(starts, f.start)
        if i and chosen[i - 1].end > f.start:
            continue
        if i < len(chosen) and chosen[i].start < f.end:
            continue
        starts.insert(i, f.start)
        chosen.insert(i, f)
    return chosen



def relocate(
    findings: Iterable[Finding], text: str, offsets: list[int] | None
) -> list[Finding]:
    """Findings made on a copy of `text` without its invisible characters, moved back
    onto `text` (`offsets[i]`: where the copy's character i is in `text`).

    A finding keeps the invisible characters inside it in its `text`, and its mask does
    not bring them back: masking also removes what was hiding the number."""
    if offsets is None:
        return list(findings)
    moved = []
    for f in findings:
        start, end = offsets[f.start], offsets[f.end - 1] + 1
        moved.append(replace(f, start=start, end=end, text=text[start:end]))
    return moved
