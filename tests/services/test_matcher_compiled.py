"""The compiled matcher (wechat_bot/services/_matcher.c) gives exactly what the Python gives.

setup.py builds it where a C compiler is at hand; where it is missing the Python runs and
these tests are skipped, except under CI, which has a compiler and must have built it.
Compared here: concepts (with their order and weights) and residue from ``extract``, and
each guide's best score from ``score``'s sums, on the guides' own wording, the benchmark's
varied questions, random strings of lexicon characters (which reach the one-character-off
paths far more often than real text), and text with characters beyond the BMP.
"""
from __future__ import annotations

import os
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.mix import Mix
from wechat_bot.services import guide_lexicon, guide_matching
from wechat_bot.services.guide_catalogue import Catalogue
from wechat_bot.services.guide_lexicon import extract_python, lexicon
from wechat_bot.services.textnorm import normalize

compiled = guide_lexicon._matcher

if compiled is None and os.environ.get("CI"):
    pytest.fail("wechat_bot.services._matcher was not built (setup.py; is a C compiler installed?)",
                pytrace=False)
pytestmark = pytest.mark.skipif(compiled is None, reason="no compiled matcher here (no C compiler at install)")


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue.load()


@pytest.fixture(scope="module")
def texts(catalogue) -> list[str]:
    found = [t for g in catalogue.all()
             for t in (g.title, *g.aliases, *g.examples, g.summary, *g.materials, *g.steps, g.where, *g.notes)]
    mix = Mix(seed=20261202)
    found += [mix.question() for _ in range(2000)]
    rng = random.Random(11)
    alphabet = sorted({ch for word in lexicon().surfaces for ch in word})
    found += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24))) for _ in range(6000)]
    found += [f"😀{t}𠀀" for t in found[:300]]
    return found


def _compiled_extract(norm: str) -> tuple[list, str]:
    concepts, residue = compiled.extract(norm, lexicon().compiled)
    return list(concepts.items()), residue


def _python_extract(norm: str) -> tuple[list, str]:
    feats = extract_python(lexicon(), norm)
    return list(feats.concepts.items()), feats.residue


def test_compiled_extract_agrees_with_python(texts):
    for text in texts:
        norm = normalize(text)
        assert _compiled_extract(norm) == _python_extract(norm), text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(sorted({ch for w in lexicon().surfaces for ch in w}) + list("的了吗?1a😀")),
               max_size=40))
def test_compiled_extract_agrees_on_random_text(text):
    assert _compiled_extract(text) == _python_extract(text)


def _query(index, norm: str):
    feats = extract_python(lexicon(), norm)
    query = dict(feats.concepts)
    for gram in guide_matching._bigrams(feats.residue):
        w = index.bigram_weight.get(gram)
        if w:
            query["~" + gram] = w
    subjects = {c for c in feats.concepts if c.startswith("S_") and c not in guide_matching.WEAK}
    return query, subjects


def test_compiled_scores_agree_with_python(texts, catalogue):
    index = catalogue.index
    for text in texts:
        query, subjects = _query(index, normalize(text))
        if not query:
            continue
        q_total = sum(query.values())
        expected = guide_matching.best_scores_python(index, query, q_total, subjects)
        got = compiled.best_scores(query, q_total, index.postings, index.entries, tuple(subjects),
                                   guide_matching.ALPHA, guide_matching.BETA, guide_matching.SUBJECT_MISS)
        assert list(got.items()) == list(expected.items()), text


def test_compiled_ranking_agrees_with_python(texts, catalogue):
    index = catalogue.index
    for text in texts:
        norm = normalize(text)
        query, subjects = _query(index, norm)
        if not query:
            continue
        best = guide_matching.best_scores_python(index, query, sum(query.values()), subjects)
        feats = extract_python(lexicon(), norm)
        named = tuple((c, w) for c, w in feats.concepts.items() if c not in guide_matching.WEAK)
        total = sum(w for _, w in named)
        expected = guide_matching.ranked_python(index, best, named, total)
        got = compiled.ranked(best, named, total, index.core, index.order, guide_matching.CORE_BONUS)
        assert got == expected, text


def test_compiled_score_agrees_with_python(texts, catalogue):
    index = catalogue.index
    for text in texts:
        feats = extract_python(lexicon(), normalize(text))
        expected = guide_matching.score_python(index, feats)
        got = compiled.score(feats.concepts, feats.residue, index.bigram_weight, index.postings, index.entries,
                             guide_matching.WEAK, index.core, index.order, guide_matching.ALPHA, guide_matching.BETA,
                             guide_matching.SUBJECT_MISS, guide_matching.CORE_BONUS)
        assert got == expected, text


def test_compiled_ranking_rounds_as_python_does(catalogue):
    """Scores equal to six places are ordered by the guides' tie-break order, whatever lies
    beyond: the rounding must be Python's own, halves included."""
    index = catalogue.index
    rng = random.Random(5)
    ids = list(index.order)
    for _ in range(3000):
        base = rng.choice([0.1234565, 0.5000005, 0.0000005, 0.9999995, rng.random()])
        best = {gid: base + rng.choice([0.0, 1e-7, -1e-7, 5e-7, -5e-7, 1e-9, 2.5e-7]) for gid in rng.sample(ids, 6)}
        expected = guide_matching.ranked_python(index, best, (), 0.0)
        assert compiled.ranked(best, (), 0.0, index.core, index.order, guide_matching.CORE_BONUS) == expected


def test_compiled_danger_scan_agrees_with_python(texts):
    from wechat_bot.services import guide_emergency

    words = guide_emergency._danger_words()
    rng = random.Random(23)
    alphabet = sorted({ch for p in guide_emergency.DANGER_PATTERNS for ch in p.pattern if "\u4e00" <= ch <= "\u9fff"})
    samples = [normalize(t) for t in texts] + ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 10)))
                                               for _ in range(20000)]
    for norm in samples:
        assert compiled.danger_words_found(norm, words.by_pair, words.by_char) == \
            guide_emergency.danger_words_found_python(norm, words), norm


def test_wrong_arguments_are_type_errors_not_crashes():
    tables = lexicon().compiled
    with pytest.raises(TypeError):
        compiled.extract(b"\xe8\xba\xab", tables)
    with pytest.raises(TypeError):
        compiled.extract("身份证", list(tables))
    with pytest.raises(ValueError):
        compiled.extract("身份证", tables[:-1])
    with pytest.raises(TypeError):
        compiled.best_scores({}, 0.0, {}, [], ["S_IDCARD"], 0.7, 0.3, 0.7)
    with pytest.raises(IndexError):
        compiled.best_scores({"x": 1.0}, 1.0, {"x": [(5, 1.0)]}, [], (), 0.7, 0.3, 0.7)


def test_the_webhook_path_uses_the_compiled_version():
    guide_lexicon.extract.cache_clear()
    feats = guide_lexicon.extract("身份证丢了怎么补办")
    assert (list(feats.concepts.items()), feats.residue) == _python_extract("身份证丢了怎么补办")
    assert guide_matching._matcher is compiled
