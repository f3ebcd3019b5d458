"""The matcher's words: what citizens write (身份证/身分证/二代证, 丢了/掉了/遗失 …) mapped to
*concepts*, read from ``guides/lexicon.toml`` so staff can add a word without a code change
(`guides check` validates the file). Subjects (S_), intents and events (I_), context (C_) and
question types (Q_). Which concepts anchor a match is structure, and stays here.

Loaded on first use, not at import; ``extract`` turns normalised text into weighted concepts.
"""
from __future__ import annotations

import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from wechat_bot.services.textnorm import main_sound, normalize, same_sound

try:  # extract's loops compiled (setup.py builds them where a C compiler is at hand)
    from wechat_bot.services import _matcher
except ImportError:  # pragma: no cover - the Python version below gives the same result
    _matcher = None

LEXICON_FILE = Path(__file__).resolve().parent.parent / "guides" / "lexicon.toml"

# Question-type concepts help rank within a subject but never make a match on their own.
WEAK = frozenset({"Q_FEE", "Q_TIME", "Q_MATERIAL", "Q_WHERE", "Q_ONLINE", "C_TRIP", "S_PERMIT_DOC"})
# Pairs that together do (改 + 名字, 公安局 + 在哪).
ANCHOR_PAIRS = (
    ("I_CHANGE", "C_FIELD"), ("C_BUREAU", "C_CONTACT"), ("C_BUREAU", "Q_WHERE"),
    ("C_BUREAU", "Q_TIME"), ("C_CHILD", "I_FIRST"), ("C_ELDER", "I_CANCEL"),
    ("C_ELSEWHERE", "C_WORK"), ("C_PROPERTY", "I_LOST"),
)
# Concepts that on their own show the message is about a guide's matter.
ANCHORS = frozenset({
    "S_IDCARD", "S_HUKOU", "S_HUKOUBOOK", "S_PASSPORT", "S_HKMO", "S_TAIWAN", "S_NOCRIME", "S_KIN",
    "S_RESIDENCE", "S_HOTEL", "S_SPECIAL", "S_FIREWORKS", "S_GUARD", "S_TOXIC", "S_DRIVING",
    "S_PLATE", "S_VREG", "S_REPORT", "S_FRAUD", "S_COMPLAINT", "S_CONTACT", "S_PROOF",
    "I_VIOLATION", "I_ACCIDENT_ADMIN", "I_THEFT", "I_BIRTH", "I_DEATH", "I_CANCEL", "I_MOVE",
    "I_IN", "I_OUT", "I_ENDORSE", "C_CLUE", "C_ABROAD", "I_REGISTER",
})



def names_matter(feats: "Features") -> bool:
    """Whether the message names a matter of its own (护照, 上户口, 被偷), not just a part of
    one (多少钱, 在哪, 周末上班吗): a follow-up that names none is answered from the context."""
    found = feats.concepts
    if any(c in ANCHORS and c != "S_CONTACT" for c in found):
        return True
    return any(a in found and b in found for a, b in ANCHOR_PAIRS if a != "C_BUREAU")

@dataclass(frozen=True)
class Lexicon:
    surfaces: dict[str, tuple[str, ...]]   # word -> the concepts it emits
    weights: dict[str, float]              # concept -> weight
    exclusive: frozenset[str]              # words marked "!": they hide the words inside them
    maxlen: int
    subst: dict[str, list[tuple[str, int]]]
    dele: dict[str, str]
    # For speed only (``extract`` gives the same result without them): every prefix of a
    # word, so a scan stops as soon as no word can start that way, and the one-off keys
    # filed under the characters beside the odd one, so a position's candidates are one
    # dictionary lookup away instead of every window around it.
    prefixes: frozenset[str] = frozenset()
    subst_near: "_Near | None" = None
    dele_near: "_Near | None" = None
    # The tables above in the layout the compiled ``extract`` reads (_matcher.c).
    compiled: tuple = ()


def parse_lexicon(raw: dict) -> tuple[dict[str, tuple[str, ...]], dict[str, float], frozenset[str], list[str]]:
    """(surfaces, weights, exclusive words, problems) from the lexicon file's tables."""
    surfaces: dict[str, list[str]] = defaultdict(list)
    weights: dict[str, float] = {}
    exclusive: set[str] = set()
    problems: list[str] = []
    for name, table in raw.items():
        where = f"{LEXICON_FILE.name}: {name}"
        if not isinstance(table, dict):
            problems.append(f"{where}: 应为一节（[{name}]），含 weight 和 words")
            continue
        weight, words = table.get("weight"), table.get("words")
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 < weight <= 5:
            problems.append(f"{where}: weight: 应为 0 到 5 之间的数")
            continue
        if not isinstance(words, list) or not words or not all(isinstance(w, str) and w.strip("!") for w in words):
            problems.append(f"{where}: words: 应为非空的说法列表")
            continue
        weights[name] = float(weight)
        seen: set[str] = set()
        for word in words:
            marked = word.startswith("!")
            surface = word[1:] if marked else word
            if normalize(surface) != surface:
                problems.append(f"{where}: words: “{surface}”应写成简体、小写、不含空格（{normalize(surface)}）")
                continue
            if surface in seen:
                problems.append(f"{where}: words: “{surface}”重复")
            seen.add(surface)
            if marked:
                exclusive.add(surface)
            if name not in surfaces[surface]:
                surfaces[surface].append(name)
    for name in sorted({*WEAK, *ANCHORS, *(c for pair in ANCHOR_PAIRS for c in pair)} - set(weights)):
        problems.append(f"{LEXICON_FILE.name}: {name}: 匹配程序要用这个概念，词表里没有")
    return {s: tuple(c) for s, c in surfaces.items()}, weights, frozenset(exclusive), problems


def _read(path: Path) -> dict:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def check_lexicon(path: Path | None = None) -> list[str]:
    """Every problem in the lexicon file, one a line; [] when it is valid (`guides check`)."""
    path = path or LEXICON_FILE
    try:
        raw = _read(path)
    except OSError as exc:
        return [f"{path.name}: -: 无法读取（{exc.strerror or exc}）"]
    except tomllib.TOMLDecodeError as exc:
        return [f"{path.name}: -: TOML 格式错误（{exc}）"]
    return parse_lexicon(raw)[3]


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The lexicon, read once (create_app loads the catalogue, whose index uses it, at start)."""
    surfaces, weights, exclusive, problems = parse_lexicon(_read(LEXICON_FILE))
    if problems:
        raise ValueError("办事指南词表有误：" + "；".join(problems[:5]))
    subst, dele = _fuzzy_tables(surfaces, weights)
    maxlen = max(len(s) for s in surfaces)
    prefixes = frozenset(s[:k] for s in surfaces for k in range(1, len(s) + 1))
    subst_near = _Near.of(((key.index("?"), key) for key in subst if 2 <= len(key) <= _SUBST_LONGEST), odd=True)
    dele_near = _Near.of(((k, key) for key in dele if 3 <= len(key) <= _DELE_LONGEST for k in range(len(key))),
                         odd=False)
    compiled = (surfaces, prefixes, exclusive, maxlen, weights, subst, dele, subst_near.tables, dele_near.tables,
                ({}, _sounds), _FUZZY_FACTOR, _character_flags(surfaces, subst_near, dele))
    return Lexicon(surfaces, weights, exclusive, maxlen, subst, dele, prefixes=prefixes,
                   subst_near=subst_near, dele_near=dele_near, compiled=compiled)


def _sounds(ch: str) -> tuple[str, str]:
    """A character's main sound folded and plain, as ``same_sound`` compares them; the compiled
    ``extract`` keeps them by character (only CJK characters and the lexicon's are asked)."""
    return main_sound(ch), main_sound(ch, False)


def _character_flags(surfaces, subst_near: "_Near", dele: dict[str, str]) -> bytes:
    """For the compiled ``extract`` (_matcher.c, F_ bits): per BMP character, whether a word
    starts with it, whether it stands beside the odd character in a one-character-wrong key
    (for each probe), and whether a word with a character missing holds it. Positions no
    word or key can involve are then passed over without a lookup."""
    flags = bytearray(0x10000)

    def mark(ch: str, bit: int) -> None:
        if ord(ch) < 0x10000:
            flags[ord(ch)] |= bit

    for word in surfaces:
        mark(word[0], 1)
    t11, t20, t02, t10, t01 = subst_near.tables
    for key in t11:
        mark(key[0], 2)
        mark(key[2], 64)
    for key in t20:
        mark(key[1], 4)
    for key in t10:
        mark(key[0], 8)
    for key in t02:
        mark(key[1], 16)
    for key in t01:
        mark(key[1], 32)
    for key in dele:
        for ch in key:
            mark(ch, 128)
    return bytes(flags)


# The longest window tried for a word with one character wrong, and for one with a
# character missing (a window as long as the shortened word).
_SUBST_LONGEST = 8
_DELE_LONGEST = 7


# Which characters around a key's marked position ``k`` it is filed under: (how many before
# ``k``, how many after), the first that fits the key. Two characters of context for every
# key of three or more, so a position's candidates are few; one for two-character keys.
_PROBES = ((1, 1), (2, 0), (0, 2), (1, 0), (0, 1))


@dataclass(frozen=True)
class _Near:
    """Keys, each with one position ``k`` marked, filed under the characters around that
    position (the marked one itself too when ``odd`` is False): a window around ``j`` can
    only be a key when ``j``'s surroundings are the key's.

    A candidate is (``-length``, ``-k``, key): sorted, longest first, then the one that starts
    leftmost (the larger ``k``), the order in which matches are tried.
    """

    odd: bool  # the marked position is the wrong character ("?" in the key), not compared
    tables: tuple[dict[str, list[tuple[int, int, str]]], ...]  # one per probe in _PROBES

    @classmethod
    def of(cls, marked, odd: bool) -> "_Near":
        tables: list[dict[str, list[tuple[int, int, str]]]] = [defaultdict(list) for _ in _PROBES]
        for k, key in marked:
            n = len(key)
            span = min(2, n - 1)
            for table, (before, after) in zip(tables, _PROBES):
                if before + after == span and k - before >= 0 and k + after <= n - 1:
                    table[key[k - before:k + after + 1]].append((-n, -k, key))
                    break
        return cls(odd, tuple({c: sorted(found) for c, found in table.items()} for table in tables))

    def around(self, norm: str, j: int) -> list[tuple[int, int, str]]:
        """Every candidate filed under ``j``'s surroundings whose window fits in ``norm``
        (the caller compares the rest), in the order matches are tried.

        The five probes of ``_PROBES``, each written out: this runs for every character no
        word covers, ~8 times a message, and a loop over the probes (zip, unpacking, bounds)
        cost twice as much as the lookups."""
        n = len(norm)
        mid = "?" if self.odd else norm[j]
        t11, t20, t02, t10, t01 = self.tables
        before = norm[j - 1] if j else ""
        after = norm[j + 1] if j + 1 < n else ""
        found: list[tuple[int, int, str]] = []
        if before:
            if after:
                found += t11.get(before + mid + after, ())
            if j >= 2:
                found += t20.get(norm[j - 2] + before + mid, ())
            found += t10.get(before + mid, ())
        if after:
            if j + 2 < n:
                found += t02.get(mid + after + norm[j + 2], ())
            found += t01.get(mid + after, ())
        if found:
            found = [c for c in found if 0 <= j + c[1] and j + c[1] - c[0] <= n]  # its start and end fit
            found.sort()
        return found


_TYPO_PRONE = frozenset({
    "户口", "补办", "补领", "换证", "签注", "落户", "迁出", "迁入", "驾证", "注销", "过期", "到期",
    "丢失", "遗失", "挂失", "罚款", "证明",
})


def _fuzzy_tables(
    surfaces: dict[str, tuple[str, ...]], weights: dict[str, float]
) -> tuple[dict[str, list[tuple[str, int]]], dict[str, str]]:
    """Keys for one-character-off matching: substitution ("身份?") and deletion."""
    subst: dict[str, list[tuple[str, int]]] = defaultdict(list)
    dele: dict[str, str] = {}
    for surface, concepts in surfaces.items():
        weight = max(weights[c] for c in concepts)
        if weight < 2 or not all("\u4e00" <= ch <= "\u9fff" for ch in surface):
            continue
        n = len(surface)
        # two-character words only for subjects and a few words often mistyped: a real
        # word one sound away is too likely otherwise (登记 is not 登机)
        if n < 2 or (n == 2 and weight < 3 and surface not in _TYPO_PRONE) or surface in ("登机",):
            continue
        for k in range(n):
            subst[surface[:k] + "?" + surface[k + 1:]].append((surface, k))
        if n >= 4:
            for k in range(1, n - 1):  # inside the word: a missing first or last is another word
                shorter = surface[:k] + surface[k + 1:]
                if shorter not in surfaces:
                    dele.setdefault(shorter, surface)
    return dict(subst), dele



_FUZZY_FACTOR = 0.85


@dataclass
class Features:
    concepts: dict[str, float] = field(default_factory=dict)
    residue: str = ""  # the text with every character the lexicon covered replaced by "|"

    @property
    def strong(self) -> bool:
        """Whether the message is about something the catalogue covers: a subject or a
        specific event, or at least two ordinary concepts together (改 + 名字)."""
        found = self.concepts
        if any(c in ANCHORS for c in found):
            return True
        return any(a in found and b in found for a, b in ANCHOR_PAIRS)


@lru_cache(maxsize=8192)
def extract(norm: str) -> Features:
    """Concepts (with weights) found in normalised text, plus the uncovered residue.

    Every lexicon word found counts, overlapping or nested (换身份证 gives 换 and 身份证),
    except words inside a word marked exclusive (出生 inside 出生日期).

    Remembered per text (the matcher and the conversation both read a message's concepts):
    callers must not change the result. Compiled where it could be built (``_matcher``);
    ``extract_python`` is the same in Python.
    """
    lex = lexicon()
    if _matcher is not None:
        concepts, residue = _matcher.extract(norm, lex.compiled)
        return Features(concepts, residue)
    return extract_python(lex, norm)


def extract_python(lex: Lexicon, norm: str) -> Features:
    """``extract`` in Python: the reference the compiled version is tested against, and the
    one used where no C compiler built it."""
    feats = Features()
    concepts = feats.concepts
    n = len(norm)
    found: list[tuple[int, int, tuple[str, ...], float]] = []
    shadows: list[tuple[int, int]] = []
    surfaces, prefixes, exclusive = lex.surfaces, lex.prefixes, lex.exclusive
    for i in range(n):
        here: list[tuple[int, int, tuple[str, ...], float]] = []
        for length in range(1, min(lex.maxlen, n - i) + 1):
            piece = norm[i:i + length]
            if piece not in prefixes:
                break
            names = surfaces.get(piece)
            if names is not None:
                here.append((i, i + length, names, 1.0))
        for match in reversed(here):  # longest first, as the concepts' order depends on it
            found.append(match)
            start, end = match[0], match[1]
            if end - start >= 2 or norm[start:end] in exclusive:
                shadows.append((start, end))
    if shadows:
        # single characters (补, 证, 车 …) count only standing alone (no longer word over
        # them); longer words only disappear inside another, exclusive, word
        in_word = bytearray(n)
        inside: list[tuple[int, int]] = []
        for a, b in shadows:
            if b - a >= 2:
                in_word[a:b] = b"\x01" * (b - a)
            if norm[a:b] in exclusive:
                inside.append((a, b))
        found = [m for m in found
                 if not (in_word[m[0]] if m[1] - m[0] == 1 else
                         any(a <= m[0] and m[1] <= b and (a, b) != (m[0], m[1]) for a, b in inside))]
    covered = bytearray(n)
    for start, end, _, _ in found:
        covered[start:end] = b"\x01" * (end - start)
    for j in range(n):
        if not covered[j] and "\u4e00" <= norm[j] <= "\u9fff":
            hit = _fuzzy_at(lex, norm, j)
            if hit is not None:
                start, length, names = hit
                found.append((start, start + length, names, _FUZZY_FACTOR))
                covered[start:start + length] = b"\x01" * length
    for _, _, names, factor in found:
        for name in names:
            w = lex.weights[name] * factor
            if w > concepts.get(name, 0.0):
                concepts[name] = w
    feats.residue = "".join(ch if not covered[j] else "|" for j, ch in enumerate(norm))
    return feats


def _fuzzy_at(lex: Lexicon, norm: str, j: int) -> tuple[int, int, tuple[str, ...]] | None:
    """A lexicon word with one character off, the odd one being the uncovered character at
    ``j`` (户籍正明 → 户籍证明); the caller passes only characters no word already found
    covers (去泰国 is not 去台). Returns (start, length, concepts)."""
    assert lex.subst_near is not None and lex.dele_near is not None
    for minus_length, minus_k, key in lex.subst_near.around(norm, j):
        length, k = -minus_length, -minus_k
        start = j - k
        if norm[start:j] != key[:k] or norm[j + 1:start + length] != key[k + 1:]:
            continue
        for surface, _ in lex.subst[key]:
            # a wrong character in the middle of a long word, or one that sounds the same
            if (length >= 4 and 0 < k < length - 1) or same_sound(norm[j], surface[k], length == 2):
                return start, length, lex.surfaces[surface]
    for minus_length, minus_k, key in lex.dele_near.around(norm, j):  # one character missing from a long word
        length, k = -minus_length, -minus_k
        start = j - k
        if norm[start:start + length] == key:
            return start, length, lex.surfaces[lex.dele[key]]
    return None
