"""Matching a citizen's message to a guide, and spotting emergencies and requests for staff.

Everything here is pure and works on normalised text (see ``textnorm.normalize``).

How a message is matched:

1. A lexicon (``guide_lexicon``, words in ``guides/lexicon.toml``) maps the words citizens use (身份证/身分证/二代证, 丢了/掉了/遗失, 上户口/落户,
   驾照/驾驶本 …) to *concepts*: subjects (what the matter is about), intents (what
   happened or what they want) and context (a child, a death, another city …). A word
   may also match with one character off when it sounds the same (户照 → 护照) or, for
   long words, with one character wrong or missing.
2. Every guide's title, aliases and examples go through the same lexicon once, when the
   catalogue loads: each becomes an *entry* of weighted concepts plus the character
   bigrams of whatever the lexicon did not cover.
3. A message scores each guide by its best entry: a weighted Tversky overlap, where what the
   message says and the entry lacks costs more than the reverse, an entry about none of the
   subjects the message names is marked down, and a guide whose title and aliases are about
   what the message names gets a little more. A clear winner is the answer; close scores give
   a numbered choice; low scores, or a message naming nothing the catalogue covers, no guide.

Emergencies (danger now, with the number to call) are recognised in ``guide_emergency`` and
requests for staff by the rules at the end of this module; ``guides.answer`` applies them
before any guide.
"""
from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass

from wechat_bot.services.guide_emergency import (  # noqa: F401  (re-exported)
    Emergency,
    detect_emergency,
    strip_figurative,
)
from wechat_bot.services.guide_lexicon import (  # noqa: F401  (names_matter, lexicon: re-exported)
    WEAK,
    Features,
    _matcher,
    extract,
    lexicon,
    names_matter,
)
from wechat_bot.services.textnorm import normalize


def _bigrams(residue: str) -> dict[str, None]:
    """The two-character pieces of what the lexicon did not cover, not across a gap ("|"),
    once each and in text order, so every run sums their weights in the same order."""
    return dict.fromkeys(residue[j:j + 2] for j in range(len(residue) - 1) if "|" not in residue[j:j + 2])


# --- index --------------------------------------------------------------------------------

@dataclass
class Index:
    guide_ids: list[str]
    # Per title, alias or example: (guide, total weight, subjects). Plain tuples: ``score``
    # unpacks ~60 of them per message, and attribute lookups were a fifth of its time.
    entries: list[tuple[str, float, frozenset[str]]]
    postings: dict[str, list[tuple[int, float]]]  # feature -> (entry, weight)
    bigram_weight: dict[str, float]
    core: dict[str, frozenset[str]]  # guide -> the concepts its title and aliases are about
    order: dict[str, int]            # tie-break: the commoner matter first


# When scores tie (a message naming only 身份证), the matters people ask about most come first.
PRIORITY = (
    "idcard-reissue", "idcard-first", "idcard-renew", "birth-registration", "hukou-book",
    "hukou-move-in", "hukou-move-out", "license-renew", "traffic-violation", "passport",
    "hk-macau", "no-crime-proof", "idcard-temp", "idcard-nonlocal", "hukou-cancel", "hukou-change",
    "hukou-proof", "residence-permit", "vehicle-register", "report-online", "anti-fraud",
    "contact", "complaint", "taiwan", "hotel-license", "fireworks", "guard-license",
    "toxic-chemical",
)
CORE_BONUS = 0.06


_BIGRAM_SCALE = 0.6
ALPHA = 0.7  # weight of the message's features the entry does not have
BETA = 0.3   # weight of the entry's features the message does not have
SUBJECT_MISS = 0.7  # an entry about none of the things the message names


def build_index(guides) -> Index:
    """Index every guide's title, aliases and examples (done once, at catalogue load)."""
    raw: list[tuple[str, Features, set[str]]] = []
    core: dict[str, frozenset[str]] = {}
    for g in guides:
        names = [extract(normalize(t)).concepts for t in (g.title, *g.aliases) if normalize(t)]
        counts: dict[str, int] = defaultdict(int)
        for concepts in names:
            for c in concepts:
                if c not in WEAK:
                    counts[c] += 1
        core[g.id] = frozenset(c for c, k in counts.items() if k * 2 >= len(names))
        for text in (g.title, *g.aliases, *g.examples):
            norm = normalize(text)
            if not norm:
                continue
            feats = extract(norm)
            raw.append((g.id, feats, _bigrams(feats.residue)))
    # Bigrams of uncovered text, weighted by how few guides use them (function words fade out).
    guides_with: dict[str, set[str]] = defaultdict(set)
    for gid, _, grams in raw:
        for gram in grams:
            guides_with[gram].add(gid)
    n_guides = max(1, len({gid for gid, *_ in raw}))
    bigram_weight = {}
    for gram, owners in guides_with.items():
        idf = math.log(n_guides / len(owners))
        if idf > 0.7:
            bigram_weight[gram] = _BIGRAM_SCALE * min(idf, 3.0) / 3.0
    entries: list[tuple[str, float, frozenset[str]]] = []
    postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for idx, (gid, feats, grams) in enumerate(raw):
        total = 0.0
        for name, w in feats.concepts.items():
            postings[name].append((idx, w))
            total += w
        for gram in grams:
            w = bigram_weight.get(gram)
            if w:
                postings["~" + gram].append((idx, w))
                total += w
        entries.append((gid, total, frozenset(c for c in feats.concepts if c.startswith("S_"))))
    ids = [g.id for g in guides]
    rank = {gid: i for i, gid in enumerate(PRIORITY)}
    order = {gid: rank.get(gid, len(PRIORITY) + i) for i, gid in enumerate(ids)}
    return Index(ids, entries, dict(postings), bigram_weight, core, order)


def score(index: Index, feats: Features) -> list[tuple[str, float]]:
    """(guide id, score in 0..1) for every guide that shares anything with the message, best
    first. Compiled where it could be built (``_matcher.score``); ``score_python`` is the same."""
    if _matcher is not None:
        return _matcher.score(feats.concepts, feats.residue, index.bigram_weight, index.postings, index.entries,
                              WEAK, index.core, index.order, ALPHA, BETA, SUBJECT_MISS, CORE_BONUS)
    return score_python(index, feats)


def score_python(index: Index, feats: Features) -> list[tuple[str, float]]:
    """``score`` in Python: the message's concepts, then the weighted bigrams of what the
    lexicon did not cover, in text order (so every run sums the same numbers in the same
    order), against every entry sharing any of them."""
    query: dict[str, float] = dict(feats.concepts)
    for gram in _bigrams(feats.residue):
        w = index.bigram_weight.get(gram)
        if w:
            query["~" + gram] = w
    if not query:
        return []
    q_total = 0.0
    for w in query.values():
        q_total += w
    subjects = {c for c in feats.concepts if c.startswith("S_") and c not in WEAK}
    return _ranked(index, feats, best_scores_python(index, query, q_total, subjects))


def best_scores_python(index: Index, query: dict[str, float], q_total: float, subjects: set[str]) -> dict[str, float]:
    """Each guide's best entry score for the message's weighted features, in the order the
    guides are first met: ``score``'s sums in Python (the compiled ``_matcher.best_scores``
    is tested against this)."""
    shared: dict[int, float] = {}
    shared_get = shared.get
    postings = index.postings
    for name, wq in query.items():
        for idx, we in postings.get(name, ()):
            shared[idx] = shared_get(idx, 0.0) + (wq if wq < we else we)
    best: dict[str, float] = {}
    best_get = best.get
    entries = index.entries
    for idx, overlap in shared.items():
        gid, total, entry_subjects = entries[idx]
        # Tversky: what the message says but the entry lacks costs more than the reverse.
        s = overlap / (overlap + ALPHA * (q_total - overlap) + BETA * (total - overlap))
        if subjects and subjects.isdisjoint(entry_subjects):
            s *= SUBJECT_MISS  # 居住证丢了 is not about 身份证, however alike the rest
        if s > best_get(gid, 0.0):
            best[gid] = s
    return best


def _ranked(index: Index, feats: Features, best: dict[str, float]) -> list[tuple[str, float]]:
    """Each guide's best entry score, best first, after a little more for the guide whose
    title and aliases are about what the message names (户口本 → the 户口本 guide rather
    than one that mentions it in an example). ``score_python``'s last step (the compiled
    ``score`` ranks with ``_matcher.ranked``'s code)."""
    named = tuple((c, w) for c, w in feats.concepts.items() if c not in WEAK)
    named_total = 0.0
    for _, w in named:
        named_total += w
    return ranked_python(index, best, named, named_total)


def ranked_python(index: Index, best: dict[str, float], named: tuple[tuple[str, float], ...],
                  named_total: float) -> list[tuple[str, float]]:
    """``_ranked``'s bonus and order in Python (the compiled ``_matcher.ranked`` is tested
    against this). The bonus is summed in a plain loop, as the compiled version does it."""
    scored = dict(best)
    if named_total:
        for gid in scored:
            core = index.core.get(gid, ())
            about = 0.0
            for c, w in named:
                if c in core:
                    about += w
            scored[gid] += CORE_BONUS * about / named_total
    return sorted(scored.items(), key=lambda kv: (-round(kv[1], 6), index.order[kv[0]]))


# Decision thresholds (tuned on the labelled set in bench/data/guides_eval.tsv).
T_NONE = 0.34      # below: no guide fits
T_SURE = 0.55      # above, with a margin: one clear answer
MARGIN = 0.10
CHOICE_SPAN = 0.22  # offer the guides within this distance of the best


@dataclass(frozen=True)
class Match:
    guide_id: str | None
    candidates: tuple[str, ...]  # () when one clear answer or nothing
    scores: tuple[tuple[str, float], ...]
    strong: bool  # the message mentions a subject the catalogue knows

    @property
    def confident(self) -> bool:
        return self.guide_id is not None and not self.candidates


def match(index: Index, norm: str, feats: Features | None = None) -> Match:
    feats = feats if feats is not None else extract(norm)
    ranked = score(index, feats)
    strong = feats.strong
    if not ranked or not strong or ranked[0][1] < T_NONE:
        return Match(None, (), tuple(ranked[:3]), strong)
    top, s1 = ranked[0]
    s2 = ranked[1][1] if len(ranked) > 1 else 0.0
    if s1 >= T_SURE and s1 - s2 >= MARGIN:
        return Match(top, (), tuple(ranked[:3]), strong)
    close = [gid for gid, s in ranked[:3] if s >= max(T_NONE, s1 - CHOICE_SPAN)]
    if len(close) == 1:
        return Match(top, (), tuple(ranked[:3]), strong)
    return Match(top, tuple(close), tuple(ranked[:3]), strong)


# --- staff, greetings, case questions ------------------------------------------------------

_HUMAN_ALWAYS = re.compile("^人工|转人工|人工客服|人工服务|人工回复|人工咨询|真人|[接要找转叫]个?人工|机器人答非所问|不要机器人|不跟机器人|不和机器人")
_HUMAN_SOFT = re.compile(
    "找民警|找警察|找个民警|民警在吗|警察在吗|有民警吗|有没有民警|我要咨询|我想咨询|咨询民警|咨询警察|在线咨询|"
    "我要留言|我想留言|留言咨询|联系民警|跟民警说|和民警说|问问民警|问一下民警|客服|值班民警|想问民警|民警回复|"
    "请民警|让民警|民警联系我|回电话|给我回电|^咨询$|^我要问$|"
    "工作人员在|有没有工作人员|有工作人员吗|找工作人员|叫工作人员|工作人员回复|值班的人|跟工作人员|和工作人员|同工作人员"
)
# Questions about one's own case or application: a guide cannot answer them.
# (Weak ones — "still not received" — give way to a clear guide question in the same message.)
_CASE_STATUSWEAK = re.compile("还没拿到|还没收到|还没办好|还没下来|还没好|怎么还没")
_CASE_STATUS = re.compile(
    "进度|进展|办到哪|办好了没|办好没|好了没有|好了吗|结果出来|有结果吗|"
    "有消息吗|有结果了吗|结果了吗|报的案|报过案|报了案|抓到了吗|抓到没|抓住了吗|立案了吗|有没有立案|受理了吗|什么时候能拿到我|多久能拿到我|审核通过|"
    "审核没通过|被驳回|不给办|不给我办|为什么不给|为什么不能|凭什么|"
    "开好了没|开好没|开出来没|开出来了吗|批了没|审批到哪|到哪了|到哪一步|怎么样了|咋样了|下来了没|下来没"
)
_POLICE_BUSINESS = re.compile(
    "案子|案件|嫌疑人|拘留|取保|笔录|传唤|释放|判决|看守所|探视|会见|罚款退|没收|扣押|退还|民警|警察|警官|"
    "派出所|公安|执法|处罚决定|行政处罚|立案|报案|报警|备案|户政|治安|出入境|车管|交警|验伤|被打|"
    "打人|被偷|被盗|被抢|纠纷|闹事|扰民|噪音|打架|斗殴|醉驾|酒驾|涉黑|传销"
)
_GREETING = re.compile(
    "^(?:你好|您好|你们好|大家好|在吗|在不在|有人吗|有人在吗|有人没|哈喽|哈罗|嗨|hi|hello|hey|早上好|上午好|中午好|"
    "下午好|晚上好|早安|午安|晚安|早|谢谢|谢谢你|谢谢您|谢谢你们|谢啦|谢了|多谢|感谢|非常感谢|十分感谢|辛苦了|"
    "辛苦|好的|好|好滴|行|嗯|嗯嗯|哦|噢|喔|ok|okay|收到|明白|明白了|知道了|了解|懂了|再见|拜拜|bye|警察叔叔|"
    "警察姐姐|警官|同志|民警同志|亲|请问|我想问|问一下|打扰了|不好意思|对不起|没事|没事了|算了|哈哈|哈哈哈|呵呵|"
    "点赞|赞|棒|厉害|牛|666|加油|测试|test|1|\\?)+$"
)
_HELP = re.compile("^(?:帮助|help|菜单|功能|目录|指南|办事指南|服务|有什么服务|能干什么|能做什么|怎么用|使用说明|你是谁|你是机器人吗|机器人)$")

# Up to 19: a menu's area list can offer more than nine guides.
_CHOICE = re.compile(r"^(?:第|选|选择|我选|要)?(1[0-9]|[1-9]|十[一二三四五六七八九]?|[一二三四五六七八九])(?:个|条|项|号|种)?(?:吧|的|谢谢)?$")
_CN_DIGITS = {c: i for i, c in enumerate("一二三四五六七八九", 1)}


def choice_number(norm: str) -> int | None:
    """1-based number in "2", "２", "第二个", "2." …; None when the text is not a pick."""
    m = _CHOICE.match(norm)
    if not m:
        return None
    d = m.group(1)
    if d.isdigit():
        return int(d)
    if d.startswith("十"):
        return 10 + (_CN_DIGITS[d[1]] if len(d) > 1 else 0)
    return _CN_DIGITS[d]


_LABELLED = re.compile(r"(?:人工|咨询|留言)\s*[:：]")  # "人工：我的户口…", matched at the start


def wants_human(raw: str, norm: str) -> str | None:
    """"always" for an explicit request for a person, "soft" for a polite one, else None."""
    stripped = raw.strip()
    if _HUMAN_ALWAYS.search(norm) or _LABELLED.match(stripped):
        return "always"
    if _HUMAN_SOFT.search(norm):
        return "soft"
    return None


def is_greeting(norm: str) -> bool:
    return not norm or bool(_GREETING.match(norm)) or bool(_HELP.match(norm))


def is_case_status(norm: str, feats: Features | None = None) -> bool:
    """A question about one's own application or case ("办到哪一步了", "还没拿到")."""
    if _CASE_STATUS.search(norm):
        return True
    if _CASE_STATUSWEAK.search(norm):
        # "还没拿到，能先办临时的吗" asks something a guide answers
        intents = [c for c in (feats.concepts if feats else ()) if c.startswith("I_") and c != "I_APPLY"]
        return not intents
    return False


_CASE_WORDS = re.compile("拘留|案子|案件|嫌疑人|取保|笔录|看守所|判决|释放|放出来|关进去|被抓|抓走|传唤|劳教|服刑|探视")


def is_case_matter(norm: str) -> bool:
    """About someone's own case (arrest, detention, investigation): for staff, not a guide."""
    return bool(_CASE_WORDS.search(norm))


def is_police_business(norm: str) -> bool:
    return bool(_POLICE_BUSINESS.search(norm))
