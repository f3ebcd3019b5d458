"""Sources as data: every fee, time limit, age and validity rule in a guide names its source.

A guide file ends with a ``[sources]`` table::

    [sources]
    fee = "《居民身份证法》第二十条；发改价格〔2003〕2322号"
    time_limit = "《居民身份证法实施细则》第十一条"
    rules = [
      { fact = "16周岁以上", source = "《居民身份证法》第二条" },
    ]

``fee`` and ``time_limit`` are required. Each ``rules`` entry quotes a piece of the
guide's own text (``fact``) and where it comes from. Any guide text that states an age
("16周岁") or a validity period ("有效期3个月") must contain the ``fact`` of some rule.
A source names a document (《…》 or a number like 〔2018〕37号) or an article (第…条);
a rule that is only local practice says "本地做法" instead, and a field that states no
fee or time limit at all (a hotline, a contact page) says "不涉及…".

Also here: which guides have not been reviewed for 12 months (for the staff console).
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, Iterable

SOURCED_FIELDS = {"fee": "收费", "time_limit": "办理时限"}
_KEYS = frozenset({*SOURCED_FIELDS, "rules"})
# Texts of a guide a rule may quote from.
_TEXT_FIELDS = ("summary", "time_limit", "fee", "where", "materials", "steps", "notes")
# What makes a source a source: a titled document, a document number, an article,
# local practice, or "不涉及" (the field states no fee or time limit at all).
_CITATION = re.compile(r"《[^》]+》|〔\d{4}〕\d*号|第[一二三四五六七八九十百零〇\d]+条|本地做法|不涉及")
# Texts that state an age or validity rule.
_RULE_TEXT = re.compile(r"\d+\s*周岁|有效期[^，。；]{0,6}?\d+\s*(?:年|个月|日|天)")

REVIEW_MONTHS = 12


def check_sources(fname: str, raw: dict) -> list[str]:
    """Problems with the ``[sources]`` table of one guide, as "<file>: <field>: <reason>"."""
    sources = raw.get("sources")
    if sources is None:
        return [f"{fname}: sources.{name}: {label}没有注明依据（缺少 [sources] 表）"
                for name, label in SOURCED_FIELDS.items()]
    if not isinstance(sources, dict):
        return [f"{fname}: sources: 应为表（[sources]）"]
    out = [f"{fname}: sources.{name}: 未知字段" for name in sorted(set(sources) - _KEYS)]
    for name, label in SOURCED_FIELDS.items():
        value = sources.get(name)
        if not isinstance(value, str) or not value.strip():
            out.append(f"{fname}: sources.{name}: {label}没有注明依据（文号或条款）")
        elif not _CITATION.search(value):
            out.append(f"{fname}: sources.{name}: 依据应写明文件名称、文号或条款，本地做法请注明“本地做法”，不涉及的注明“不涉及”（{value}）")
    rules = sources.get("rules", [])
    if not isinstance(rules, list):
        return out + [f"{fname}: sources.rules: 应为列表"]
    texts = list(_texts(raw))
    facts: list[str] = []
    for i, rule in enumerate(rules, 1):
        where = f"sources.rules[{i}]"
        if not isinstance(rule, dict) or set(rule) != {"fact", "source"}:
            out.append(f"{fname}: {where}: 应为 {{ fact = \"…\", source = \"…\" }}")
            continue
        fact, source = rule["fact"], rule["source"]
        if not isinstance(fact, str) or not fact.strip():
            out.append(f"{fname}: {where}.fact: 应为非空文本")
            continue
        facts.append(fact)
        if not any(fact in text for text in texts):
            out.append(f"{fname}: {where}.fact: 指南正文中没有这段文字（{fact}）")
        if not isinstance(source, str) or not source.strip():
            out.append(f"{fname}: {where}.source: 规则“{fact}”没有注明依据")
        elif not _CITATION.search(source):
            out.append(f"{fname}: {where}.source: 依据应写明文件名称、文号或条款，本地做法请注明“本地做法”（{source}）")
    for name, text in _named_texts(raw):
        for match in _RULE_TEXT.finditer(text):
            if not any(f in text and _overlaps(text, f, match.span()) for f in facts):
                out.append(f"{fname}: {name}: “{match.group()}”没有注明依据（请在 [sources] 的 rules 中添加）")
    return out


def source_rows(raw: dict) -> tuple[tuple[str, str], ...]:
    """(what, source) pairs for display: fee, time limit, then each rule."""
    sources = raw.get("sources") or {}
    rows = [(label, sources[name].strip()) for name, label in SOURCED_FIELDS.items() if name in sources]
    rows += [(r["fact"].strip(), r["source"].strip()) for r in sources.get("rules", [])]
    return tuple(rows)


def due_for_review(guides: Iterable[Any], today: dt.date) -> list[Any]:
    """Guides whose ``updated_on`` is 12 months or more before ``today``, oldest first."""
    cutoff = _months_before(today, REVIEW_MONTHS)
    return sorted((g for g in guides if g.updated_on <= cutoff), key=lambda g: (g.updated_on, g.id))


def _months_before(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for d in range(day.day, 0, -1):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _named_texts(raw: dict) -> Iterable[tuple[str, str]]:
    for name in _TEXT_FIELDS:
        value = raw.get(name)
        for text in value if isinstance(value, list) else [value]:
            if isinstance(text, str):
                yield name, text


def _texts(raw: dict) -> Iterable[str]:
    return (text for _, text in _named_texts(raw))


def _overlaps(text: str, fact: str, span: tuple[int, int]) -> bool:
    start = text.find(fact)
    while start != -1:
        if start < span[1] and span[0] < start + len(fact):
            return True
        start = text.find(fact, start + 1)
    return False
