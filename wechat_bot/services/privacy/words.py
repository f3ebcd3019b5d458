"""Secrecy markers (DEFAULT_SENSITIVE_WORDS) and the office's own sensitive words."""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

from .context import Spans, containing
from .findings import Finding, make_finding
from .normalise import normalise_word


# Classification levels (《保密法》: 绝密/机密/秘密), the 密级 field and distribution
# markings. Bare 内部 is deliberately absent: 内部控制、内部管理、内部事务、车辆内部 are
# everyday words in notices; only its marking compounds are listed. 注意保密 is absent
# too (防诈骗 advice: 验证码注意保密). Prose uses of the level words (国家秘密、商业秘密、
# 秘密窃取 …) are exempt, see _BENIGN_PHRASES.
DEFAULT_SENSITIVE_WORDS: tuple[str, ...] = (
    "绝密",
    "机密",
    "秘密",
    "涉密",
    "密级",
    "内部资料",
    "内部使用",
    "内部文件",
    "内部材料",
    "内部刊物",
    "内部参考",
    "内部传阅",
    "仅供内部",
    "不得外传",
    "严禁外传",
    "请勿外传",
    "不得扩散",
    "严禁扩散",
)

# A default word inside one of these longer phrases is prose about secrecy (or a police
# technique), not a marking: the annual report itself says 涉及国家机密、商业秘密.
_BENIGN_PHRASES: tuple[str, ...] = (
    "国家秘密", "国家机密", "商业秘密", "商业机密", "工作秘密", "个人秘密", "军事秘密",
    "军事机密", "保守秘密", "泄露秘密", "泄漏秘密", "泄露机密", "泄漏机密", "窃取机密",
    "刺探机密", "秘密窃取", "秘密蹲守", "秘密侦查", "秘密跟踪", "秘密调查", "秘密取证",
    "秘密潜入", "秘密拍摄", "秘密录音", "秘密录像", "秘密监视", "秘密交易", "秘密联系",
    "涉密信息不上网", "上网信息不涉密", "不涉密", "非涉密",
)

SENSITIVE_MASK = "【请删除】"


_DEFAULT_NORMALISED = frozenset(DEFAULT_SENSITIVE_WORDS)  # simplified and half-width


@lru_cache(maxsize=32)
def _word_regex(words: tuple[str, ...]) -> re.Pattern[str] | None:
    if not words:
        return None
    longest_first = sorted(words, key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in longest_first))


_BENIGN_RE = _word_regex(tuple(_BENIGN_PHRASES))


def _inside_longer(spans: Spans, start: int, end: int) -> bool:
    span = containing(spans, start, end)
    return span is not None and span[1] - span[0] > end - start


def find_sensitive_words(
    text: str, norm: str, staff_words: Iterable[str]
) -> Iterator[Finding]:
    staff = {w for w in (normalise_word(s) for s in staff_words) if w}
    regex = _word_regex(tuple(sorted(_DEFAULT_NORMALISED | staff)))
    benign = [b.span() for b in _BENIGN_RE.finditer(norm)]
    for m in regex.finditer(norm):
        word = m.group()
        is_default = word in _DEFAULT_NORMALISED
        if is_default and _inside_longer(benign, m.start(), m.end()):
            continue
        original = text[m.start() : m.end()]
        if is_default:
            message = f"含涉密标识词「{original}」，涉密内容不得公开"
        else:
            message = f"含本单位敏感词「{original}」，不宜公开"
        yield make_finding(
            "sensitive_word", text, m.start(), m.end(), SENSITIVE_MASK, message
        )

