"""Text normalisation for citizens' messages: one canonical form to match on.

繁→简 (OpenCC t2s), full-width → half-width, WeChat emoji codes and punctuation
removed, latin lowercased. Also the sound of each character (pinyin without
tones, with the zh/z, ch/c, sh/s, -ng/-n pairs folded) so a homophone typo such
as 户照 → 护照 or 身分证 → 身份证 can still be recognised.
"""
from __future__ import annotations

import importlib.util
import json
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

# WeChat's own emoji arrive as text: "[微笑]", "[Smile]", "/::)", "/:rose" …
_WECHAT_BRACKET = re.compile(r"\[[\u4e00-\u9fa5A-Za-z]{1,8}\]")
_WECHAT_SLASH = re.compile(r"/:{1,2}(?:[A-Za-z]{2,9}|[<>][A-Za-z]>|[A-Za-z0-9@<>\-()|$*?!&',~.]{1,5})")
# What survives: CJK ideographs, latin letters, digits.
_DROP = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff]+")

# Characters OpenCC's t2s leaves alone but citizens use interchangeably.
_EXTRA = str.maketrans({"著": "着", "臺": "台", "麽": "么", "麼": "么", "甚": "什"})
# translate with a table looks every character up: first ask whether any is there at all
_EXTRA_FOUND = re.compile("[" + "".join(map(chr, _EXTRA)) + "]")


@lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC  # imported lazily: building the converter reads its tables

    return OpenCC("t2s")


@lru_cache(maxsize=1)
def _t2s_triggers() -> tuple[frozenset[str], dict[str, tuple[str, ...]]]:
    """What OpenCC's t2s could change: its one-character keys, and its phrases by first character."""
    converter = _t2s()
    converter.convert("")  # reads the dictionaries
    chars: set[str] = set()
    phrases: dict[str, list[str]] = {}
    for group in converter._dict_chain_data:
        for _, _, table in group:
            for key in table:
                if len(key) == 1:
                    chars.add(key)
                else:
                    phrases.setdefault(key[0], []).append(key)
    return frozenset(chars), {first: tuple(keys) for first, keys in phrases.items()}


def _needs_t2s(text: str) -> bool:
    """Whether t2s would touch the text: it only ever replaces one of its keys found in it, so
    text holding no key (nearly every message, written in simplified) is returned as it is.
    OpenCC's pure-Python conversion was the largest cost of normalising a message."""
    chars, phrases = _t2s_triggers()
    present = set(text)
    if not chars.isdisjoint(present):
        return True
    # (present & a frozenset looks up the message's few characters; present.intersection(phrases)
    # went through all of the phrases' first characters for every message)
    return any(key in text for first in present & _phrase_firsts() for key in phrases[first])


@lru_cache(maxsize=1)
def _phrase_firsts() -> frozenset[str]:
    return frozenset(_t2s_triggers()[1])


def to_simplified(text: str) -> str:
    """Traditional → simplified Chinese (no-op on text that is already simplified)."""
    if not text or not _needs_t2s(text):
        return text
    return _t2s().convert(text)


def strip_wechat_emoji(text: str) -> str:
    return _WECHAT_SLASH.sub(" ", _WECHAT_BRACKET.sub(" ", text))


@lru_cache(maxsize=4096)
def normalize(text: str) -> str:
    """The canonical form of a message: simplified, half-width, no punctuation/emoji/space.

    Remembered: one message is normalised by the matcher, the conversation and the
    consultation intake in turn."""
    if not text:
        return ""
    text = strip_wechat_emoji(text)
    text = unicodedata.normalize("NFKC", text)  # full-width → half-width, ① → 1
    text = to_simplified(text)
    if _EXTRA_FOUND.search(text):
        text = text.translate(_EXTRA)
    text = text.lower()
    return _DROP.sub("", text)


# --- sound --------------------------------------------------------------------

_TONES = str.maketrans("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ", "aaaaeeeeiiiioooouuuuvvvvvnnnm")


def _fold(syllable: str) -> str:
    s = syllable.translate(_TONES)
    for a, b in (("zh", "z"), ("ch", "c"), ("sh", "s")):
        if s.startswith(a):
            s = b + s[2:]
            break
    if s.endswith("ng"):
        s = s[:-1]
    return s


@lru_cache(maxsize=1)
def _pinyin_table() -> dict[int, str]:
    """pypinyin's table of single characters' readings (code point → "líng,yuán,xīng").

    Read from its JSON file rather than imported: importing anything from the pypinyin
    package first runs its ``__init__``, which loads the 2.5 MB phrase dictionary this
    module never uses, costing each gunicorn worker ~0.35 s and ~48 MB at start.
    ``find_spec`` of a top-level package locates it without importing it."""
    spec = importlib.util.find_spec("pypinyin")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - a declared dependency
        return {}
    path = Path(next(iter(spec.submodule_search_locations))) / "pinyin_dict.json"
    return {int(code): readings for code, readings in json.loads(path.read_text(encoding="utf-8")).items()}


@lru_cache(maxsize=8192)
def sounds(char: str) -> frozenset[str]:
    """Every reading of one character, toneless and folded; empty when unknown."""
    raw = _pinyin_table().get(ord(char))
    if not raw:
        return frozenset()
    return frozenset(_fold(p) for p in raw.split(","))


@lru_cache(maxsize=8192)
def main_sound(char: str, folded: bool = True) -> str:
    """The usual (first) reading of a character without tone, folded unless told not to;
    the character itself when it has no reading."""
    raw = _pinyin_table().get(ord(char))
    if not raw:
        return char
    first = raw.split(",", 1)[0]
    return _fold(first) if folded else first.translate(_TONES)


def same_sound(a: str, b: str, strict: bool = False) -> bool:
    """Whether two characters share their usual reading (rare readings are ignored:
    还 and 不 both have an archaic "fu"). Not strict: zh/z, ch/c, sh/s, -ng/-n count as one."""
    if a == b:
        return True
    sa = main_sound(a, not strict)
    return sa != a and sa == main_sound(b, not strict)
