"""The matcher's shortcuts give exactly what the plain way gives.

Normalising skips OpenCC when the text holds nothing it converts, ``extract`` stops
scanning as soon as no lexicon word can start or continue and looks up one-character-off
candidates by their neighbours, ``score`` unpacks each entry as a plain tuple, and the
emergency check rules a message out when it lacks the words every danger pattern needs;
all were made for the webhook's throughput (bench/README.md). Here each is checked against the straightforward version on
the guides' own wording, the benchmark's varied questions and Traditional text.
"""
from __future__ import annotations

import random
import re
from collections import defaultdict
from pathlib import Path

import pytest

from bench.mix import Mix
from wechat_bot.services import textnorm
from wechat_bot.services.guide_emergency import DANGER_PATTERNS, detect_emergency, may_be_danger, strip_figurative
from wechat_bot.services.guide_catalogue import Catalogue
from wechat_bot.services.guide_lexicon import _FUZZY_FACTOR, Features, extract, lexicon
from wechat_bot.services.guide_matching import ALPHA, BETA, SUBJECT_MISS, WEAK, _bigrams, _ranked, build_index, score
from wechat_bot.services.textnorm import normalize, same_sound


@pytest.fixture(scope="module")
def texts() -> list[str]:
    catalogue = Catalogue.load()
    found = [t for g in catalogue.all() for t in (g.title, *g.aliases, *g.examples, g.summary, *g.materials)]
    mix = Mix(seed=20261201)
    found += [mix.question() for _ in range(1500)]
    return found


def test_simplifying_agrees_with_opencc(texts):
    from opencc import OpenCC

    to_traditional = OpenCC("s2t")
    converter = textnorm._t2s()
    chars, phrases = textnorm._t2s_triggers()
    rng = random.Random(7)
    samples = list(texts[:800]) + [to_traditional.convert(t) for t in texts[:800]]
    # Phrase keys (some begin with a simplified character, 么麼) inside ordinary text.
    keys = [k for group in phrases.values() for k in group]
    samples += [f"{t[:5]}{rng.choice(keys)}{t[5:]}" for t in texts[:300]]
    samples += ["".join(rng.choice(t) for _ in range(12)) for t in texts[:300] if t]
    for text in samples:
        assert textnorm.to_simplified(text) == converter.convert(text), text


def test_extract_agrees_with_the_plain_scan(texts):
    lex = lexicon()
    for text in texts:
        norm = normalize(text)
        fast, plain = extract(norm), _plain_extract(lex, norm)
        assert (list(fast.concepts.items()), fast.residue) == (list(plain.concepts.items()), plain.residue), text


def test_score_agrees_with_the_plain_tversky_loop(texts):
    index = build_index(Catalogue.load().all())
    for text in texts:
        feats = extract(normalize(text))
        assert score(index, feats) == _plain_score(index, feats), text


def _danger_samples(texts) -> list[str]:
    """The texts above, every labelled message of bench/data (emergencies among them), and
    random strings of the danger patterns' own characters, which meet their words far more
    often than real messages do."""
    samples = [strip_figurative(normalize(t)) for t in texts]
    for path in sorted((Path(__file__).resolve().parents[2] / "bench" / "data").glob("*.tsv")):
        for line in path.read_text(encoding="utf-8").splitlines():
            samples += [strip_figurative(normalize(field)) for field in line.split("\t") if len(field) > 1]
    alphabet = sorted({ch for p in DANGER_PATTERNS for ch in p.pattern if "\u4e00" <= ch <= "\u9fff"} | set("0123"))
    rng = random.Random(17)
    samples += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))) for _ in range(30000)]
    return samples


def test_ruling_danger_out_never_misses_what_the_patterns_match(texts):
    union = re.compile("|".join(f"(?:{p.pattern})" for p in DANGER_PATTERNS))
    samples = _danger_samples(texts)
    matched = [n for n in samples if union.search(n)]
    assert len(matched) > 500  # the samples do reach the patterns
    for norm in matched:
        assert may_be_danger(norm), norm
    # and it does its job: nearly every ordinary question is ruled out without a search
    mix = Mix(seed=20261203)
    questions = [strip_figurative(normalize(mix.question())) for _ in range(2000)]
    assert sum(map(may_be_danger, questions)) < 0.1 * len(questions)


def test_emergencies_are_still_recognised():
    assert detect_emergency(normalize("有人拿刀在我家门口砍人，快来")).numbers[0] == "110"
    assert detect_emergency(normalize("他被人砍了一刀，流了好多血")).numbers == ("110", "120")
    assert detect_emergency(normalize("对方让我转账到安全账户，我现在要不要转")).kind == "fraud"
    assert detect_emergency(normalize("身份证丢了怎么补办")) is None


def test_extract_is_remembered_per_text():
    first = extract("身份证丢了怎么办")
    assert extract("身份证丢了怎么办") is first
    assert "S_IDCARD" in first.concepts


# --- the straightforward version: every window tried, longest first ----------------------

def _plain_extract(lex, norm: str) -> Features:
    feats = Features()
    n = len(norm)
    found, shadows = [], []
    for i in range(n):
        for length in range(min(lex.maxlen, n - i), 0, -1):
            piece = norm[i:i + length]
            names = lex.surfaces.get(piece)
            if names is not None:
                found.append((i, i + length, names, 1.0))
                if piece in lex.exclusive or length >= 2:
                    shadows.append((i, i + length))
    found = [m for m in found
             if not any(a <= m[0] and m[1] <= b and (a, b) != (m[0], m[1])
                        and (m[1] - m[0] == 1 or norm[a:b] in lex.exclusive) for a, b in shadows)]
    covered = bytearray(n)
    for start, end, _, _ in found:
        covered[start:end] = b"\x01" * (end - start)
    for j in range(n):
        if not covered[j] and "\u4e00" <= norm[j] <= "\u9fff":
            hit = _plain_fuzzy(lex, norm, j)
            if hit is not None:
                start, length, names = hit
                found.append((start, start + length, names, _FUZZY_FACTOR))
                covered[start:start + length] = b"\x01" * length
    for _, _, names, factor in found:
        for name in names:
            w = lex.weights[name] * factor
            if w > feats.concepts.get(name, 0.0):
                feats.concepts[name] = w
    feats.residue = "".join(ch if not covered[j] else "|" for j, ch in enumerate(norm))
    return feats


def _plain_fuzzy(lex, norm: str, j: int):
    n = len(norm)
    for length in range(min(8, n), 1, -1):
        for start in range(max(0, j - length + 1), min(j, n - length) + 1):
            piece = norm[start:start + length]
            k = j - start
            for surface, _ in lex.subst.get(piece[:k] + "?" + piece[k + 1:], ()):
                if (length >= 4 and 0 < k < length - 1) or same_sound(piece[k], surface[k], length == 2):
                    return start, length, lex.surfaces[surface]
    for length in range(min(7, n), 2, -1):
        for start in range(max(0, j - length + 1), min(j, n - length) + 1):
            piece = norm[start:start + length]
            if piece in lex.dele:
                return start, length, lex.surfaces[lex.dele[piece]]
    return None


def _plain_score(index, feats: Features) -> list[tuple[str, float]]:
    query = dict(feats.concepts)
    grams = [feats.residue[j:j + 2] for j in range(len(feats.residue) - 1)]  # in text order, as score sums them
    for gram in dict.fromkeys(g for g in grams if g in _bigrams(feats.residue)):
        if index.bigram_weight.get(gram):
            query["~" + gram] = index.bigram_weight[gram]
    if not query:
        return []
    q_total = 0.0
    for w in query.values():
        q_total += w
    shared: dict[int, float] = defaultdict(float)
    for name, wq in query.items():
        for idx, we in index.postings.get(name, ()):
            shared[idx] += min(wq, we)
    subjects = {c for c in feats.concepts if c.startswith("S_") and c not in WEAK}
    best: dict[str, float] = {}
    for idx, overlap in shared.items():
        guide_id, total, entry_subjects = index.entries[idx]
        s = overlap / (overlap + ALPHA * (q_total - overlap) + BETA * (total - overlap))
        if subjects and subjects.isdisjoint(entry_subjects):
            s *= SUBJECT_MISS
        best[guide_id] = max(best.get(guide_id, 0.0), s)
    return _ranked(index, feats, best)  # the bonus and the order are score's own, not a shortcut
