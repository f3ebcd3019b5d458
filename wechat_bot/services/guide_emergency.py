"""Emergencies: danger happening now, judged from a citizen's normalised text, with the
number to call first (110 / 119 / 120 / 122, 96110 for a fraud under way).

Scary words are not enough: law questions, prevention, paperwork, the past, fiction and
figures of speech (累死了, 笑死我了) are not danger now. ``guides.answer`` applies this
before any guide; ``dialogue`` keeps the number first for the turns after.
"""
from __future__ import annotations

import re
import re._constants as _sre
import re._parser as _parser
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

try:  # may_be_danger's scan compiled (setup.py builds it where a C compiler is at hand)
    from wechat_bot.services import _matcher
except ImportError:  # pragma: no cover - the Python version gives the same result
    _matcher = None


# Words that make a scary word non-urgent: law questions, prevention, paperwork, the past, fiction.
_ADMIN = re.compile(
    "处罚|罚款|怎么判|判几年|判多久|判刑|量刑|犯法|犯罪吗|什么罪|罪名|法律|规定|条例|许可|审批|申请|办理|证明|宣传|知识|"
    "拘留|坐牢|几天|罚多少|预防|防范|防止|防火|防盗|怎么防|如何防|演练|培训|讲座|认定|理赔|赔偿|赔多少|保险|调解|进度|进展|有结果|"
    "结果出来|出结果|去年|上个月|上周|上星期|前几天|几天前|以前|之前|几年前|那年|小时候|电视|电影|新闻|小说|游戏|"
    "昨天|前天|昨晚|上回|上次|我挂了|挂了电话|没有转|没转|"
    "梦见|梦到|如果|万一|假如|要是|会怎样|注意什么|注意事项|常识|案例|什么是|是什么意思|宣传日|隐患|检查|"
    "消防栓|灭火器|网上报|网上|在线|非紧急|回执|立案|备案|怎么写|作文|笑话|演习|模拟|保护令|离婚|起诉|打官司|律师"
)
_URGENT = re.compile(
    "正在|现在|马上|立刻|立即|快来|快点|赶紧|救命|救救|还在|一直在|就在|此刻|刚刚|刚才|急|求救|来人|快报警|"
    "怎么办啊|怎么办呀|咋办啊|帮帮我|帮帮忙|在打|在砍|在抢|在偷|在烧|在冒|有人在|门口|楼下|楼上|隔壁|对面|家里|"
    "我家|我们家|外面|路上|路口|这里|这边|街上|小区|村里|河边|桥上|楼顶"
)
_FAMILY = "(?:孩子|小孩|女儿|儿子|娃|孙子|孙女|外孙|老人|老婆|媳妇|妻子|丈夫|老公|爸|妈|奶奶|爷爷|姥姥|姥爷)"
_POLICE_WORDS = (
    "打架|斗殴|群殴|打群架|打起来|动手打|打人|砍人|捅人|杀人|行凶|持刀|拿刀|拿着刀|提着刀|举着刀|动刀|有刀|"
    "被.{0,2}砍|被.{0,2}捅|被.{0,2}刺伤|砍了|捅了|持枪|有枪|开枪|抢劫|打劫|抢钱|抢包|抢手机|抢东西|被抢|被人抢|抢走|抢了.{0,3}(?:包|手机|钱|东西|项链|金)|绑架|劫持|绑走|被绑|人质|强奸|猥亵|非礼|性侵|"
    "非法拘禁|被关起来|关起来了|跳楼|跳河|跳江|跳桥|跳崖|跳下去|轻生|自杀|想不开|不想活|割腕|寻死|家暴|家庭暴力|"
    "打老婆|打媳妇|打孩子|老公打我|丈夫打我|打我(?!电话|手机|的电话)|被打|挨打|被揍|揍我|追着打|追打|威胁我|"
    "要杀|要砍|入室|闯进|撬门|撬锁|撬窗|砸车|砸门|砸东西|打砸|闹事|寻衅|械斗|跟踪我|尾随|一直跟着我|有人跟着|"
    "救命|走失|走丢|丢了孩子|孩子丢了|孩子不见|小孩不见|娃不见|儿子不见|女儿不见|孩子找不到|找不到孩子|"
    "人贩子|拐走|拐卖|(?:拽|拉|拖|抱|抢|拖着)[^，。！？]{0,8}(?:往车上|上车|进车|车里)|往车上拉|强行拉走|硬拉|"
    "偷孩子|抢孩子|抱走|失踪|溺水|落水|掉河里|掉水里|掉进河|掉进水|被困|出不来|小偷|扒手|"
    "正在偷|在偷|有人偷|偷东西|打110|^110$|暴力|施暴|欺负我|勒索|敲诈|恐吓|爆炸物|炸弹|醉汉|发酒疯|"
    "持械|围殴|打伤|伤人|杀了他|杀了我|要打我|被绑架|被拐|被跟踪|偷窥|砍伤|有人闯|有人砸|离家出走|联系不上|"
    "抢我|抢了我|在砸|还在砸|砸[^，。！？]{0,4}(?:东西|店|门|车|窗|玻璃)|要跳|想跳|准备跳|栏杆外|"
    # a family member missing; "丢了" only close by (我妈给我的镯子丢了 is not a person)
    f"{_FAMILY}[^证本簿卡照机包车户]{{0,8}}(?:不见了|找不到|找不着|没回家|没有回家|联系不上|打不通|走丢|失踪)|"
    f"{_FAMILY}[^证本簿卡照机包车户]{{0,3}}丢了|"
    "掉进[^，。！？]{0,4}(?:河|塘|水|井|坑|池|湖|江|窖|库)|掉[^，。！？]{0,2}(?:鱼塘|水塘|河里|井里|水库|池塘)|"
    "进贼|来贼|有贼|进小偷|撬.{0,4}门|撬.{0,3}锁|快来人|来人啊|喝药|喝了药|服毒|吞了|上吊"
)
# "报警" alone is a call for help; "怎么报警" / "网上报警" about a past theft is not.
_CALL_POLICE = re.compile("^(?:我要|我想|帮我|快|赶紧|请|马上|立即)?报警(?:啊|呀|了|吧)?$|我要报警|帮我报警|快报警|赶紧报警|替我报警|马上报警")
_NOT_URGENT = re.compile("不急|不紧急|不是紧急|不是很急|不着急|非紧急|不算紧急|没那么急")
_FIRE_WORDS = (
    "着火|失火|起火|火灾|大火|烧起来|烧着了|火烧|冒烟|冒黑烟|浓烟|冒火|火苗|爆炸|煤气泄|燃气泄|天然气泄|液化气泄|"
    "漏煤气|漏燃气|漏天然气|漏液化气|煤气味|燃气味|天然气味|液化气味|电梯困人|困在电梯|被困电梯|电梯里出不来|"
    "关在电梯|山火|森林火|火很大|烧房子|房子烧|着了火|打119|^119$|漏气|跑气|"
    # a gas leak in any word order: 天然气好像漏了, 煤气罐在漏, 燃气味道很大
    "(?:煤气|燃气|天然气|液化气|气罐)[^，。！？,.!?]{0,8}(?:漏|泄|味)|"
    "怪味[^。！？]{0,10}(?:头晕|站不稳|恶心|晕)|一氧化碳|煤气中毒|"
    "电梯[^，。！？]{0,6}(?:卡住|卡在|困|停住|关住)|塌了|坍塌|塌方|被埋|埋在|埋了|困在|被困住"
)
_MEDICAL_WORDS = (
    "受伤|流血|出血|血流|晕倒|晕过去|昏迷|昏倒|不省人事|休克|抽搐|中毒|喝农药|喝了农药|吃了农药|吃安眠药|"
    "吃了安眠药|吞药|没有呼吸|没呼吸|没气了|没心跳|心脏病发|心梗|脑梗|中风了|骨折|触电|烫伤|烧伤|咬伤|被咬|"
    "喘不上气|呼吸困难|快不行了|快死了|要死了|急救|救护车|昏厥|倒地|摔倒了|摔伤|坠楼|打120|^120$|一动不动|"
    "被.{0,2}砍|被.{0,2}捅|叫不醒|醒不过来|口吐白沫|大出血|伤得很重|受了伤|伤了|流了.{0,3}血|出了.{0,3}血|好多血|很多血|"
    "血止不住|喝药|喝了药|服毒|吞了|"
    "满头是血|头是血|一身血|全是血|都是血|摔下来|摔下去|掉下来|坠落|从[^，。]{0,6}(?:摔|掉)下|压在下面|压住了|被压|"
    "砸伤|砸到人|站不稳|都晕了|喊不应|叫不应|没反应"
)
_TRAFFIC = re.compile(
    "车祸|撞车|撞了|被撞|撞人|撞到|追尾|翻车|侧翻|交通事故|出事故|发生事故|剐蹭|刮蹭|碰撞|肇事|逃逸|撞伤|撞死|"
    "轧了|碾压|掉沟里|冲下|翻下|打122|^122$|连环撞|撞上|"
    "(?:车|摩托)[^，。！？]{0,4}翻[^，。！？]{0,3}(?:沟|河|坡|崖|田)|两个车撞|两车相撞"
)
_TRAFFIC_ADMIN = re.compile("认定|理赔|赔偿|保险|调解|流程|责任|快处|证明|复核|鉴定|诉讼|起诉|去年|上个月|之前|以前|扣分|罚")
_INJURY = re.compile("受伤|流血|出血|伤|昏迷|死|骨折|撞人|撞到人|被撞|轧|人倒|不动|晕|压住|卡在")
# A transfer about to be made: danger now, even in a message about an online scam.
_FRAUD_GOING_ON = re.compile("(正准备|正要|准备|马上就|现在就)(转|汇|打钱|付款)|转不转|还转吗|要转吗|该不该转|要不要转")
_FRAUD_NOW = re.compile(
    "(正在|现在|还在|马上|准备|要不要|该不该|是不是)(被骗|转账|汇款|打钱|付款|给他转|给对方转)|"
    "(对方|他|她|客服|警察|公安|骗子)(让|要|叫|要求)我(转|汇|打钱|付|下载|开通|共享|点|输入|提供|贷款)|"
    "(让|要|叫)我(转账|汇款|打钱|下载|屏幕共享|共享屏幕|开启共享)|屏幕共享|共享屏幕|安全账户|把验证码|"
    "(让|要|叫)我[^，。！？]{0,4}(转|汇|打钱)[^，。！？]{0,4}(万|千|钱|过去|[0-9])|"
    "(正准备|正要|准备|马上就|现在就)(转|汇|打钱|付款)|转不转|还转吗|要转吗|该不该转|要不要转"
)

# Danger described in plain words, a few characters apart: weapons, intruders, being
# followed or shut in, children hurt or shut in a car, falls, poison, electric shock,
# drowning, explosions, smoke, people lost in the mountains, a runaway lorry.
_POLICE_PLAIN = (
    "(?:菜刀|砍刀|斧头|斧子|棍子|铁棍|刀子|匕首|砖头|枪)[^，。！？]{0,8}(?:砍|追|打|踹|砸|杀|捅|要|冲|门口|站在|堵)|"
    "(?:砍|追|打|捅)[^，。！？]{0,4}(?:菜刀|砍刀|斧头|刀)|追人|追着人|踹门|砸门|翻[^，。！？]{0,3}(?:窗|墙|院)|"
    "弄死|打死|杀了|往死里打|跟了我|跟着我|跟踪|在我后面|一直跟|尾随|锁在屋|关在屋|不让我走|不放我走|"
    "把我锁|把我关|不按导航|往山里开|绑|抢了我|抢我的|小偷还在|贼还在|人还在(?:院|屋|家|楼)|"
    "打娃|打孩子|打小孩|虐待|娃哭|孩子哭得|(?:没回来|没回家|不见了|找不到)[^。！？]{0,8}(?:天快黑|天黑|半夜|几个小时|一整天|到现在)|"
    "(?:中午|早上|上午|下午|昨晚|一早)[^，。！？]{0,6}(?:出门|出去|走了)[^。！？]{0,8}(?:没回来|没回家|不见|找不到)"
)
_MEDICAL_PLAIN = (
    "(?:血)[^，。！？]{0,6}(?:止不住|往外冒|一直流|流了一地|喷)|绞[^，。！？]{0,3}(?:手|脚|胳膊|头发)|(?:手|脚|胳膊)[^，。！？]{0,3}(?:绞|轧|切断|断了)|"
    "昏过去|晕过去|倒在|倒下|不醒|叫不醒|没反应|没知觉|抽筋|抽风|口吐白沫|上吐下泻|吐血|"
    "误吃|误服|误喝|吃了[^，。！？]{0,3}(?:药|老鼠药|农药|毒)|老鼠药|敌敌畏|百草枯|食物中毒|"
    "被电(?!子|话|视|脑|动|瓶)|电打了|被电打|触电|电线上|腿[^，。！？]{0,3}断|摔断|走不了|动不了|起不来|沉下去|没上来|没浮上来|"
    "锁在车里|困在车里|关在车里|晒着|喘不过气|心跳停|没了呼吸|没有气了"
)
_FIRE_PLAIN = (
    "炸了|爆炸|砰的一声|轰的一声|烧焦味|焦糊味|好多烟|浓烟|烟很大|黑烟|看不见路|下不去楼|"
    "迷路|困在山|山里出不来|被水冲|洪水|涨水|山体滑坡|滑坡|泥石流|化粪池|沼气|窨井|冲进人群|刹车失灵"
)
# One pattern per kind: the words people use for it, then the same danger told plainly.
_POLICE = re.compile(f"{_POLICE_WORDS}|{_POLICE_PLAIN}")
_FIRE = re.compile(f"{_FIRE_WORDS}|{_FIRE_PLAIN}")
_MEDICAL = re.compile(f"{_MEDICAL_WORDS}|{_MEDICAL_PLAIN}")
# "累死了", "笑死我了", "难得要命": intensifiers, not danger.
_FIGURATIVE = re.compile(
    "(?:累|饿|冷|热|笑|气|穷|困|忙|烦|痛|疼|吓|急|渴|闷|晒|撑|无聊|难受|丑|美|帅|香|辣|酸|甜|咸|难|好|烦)"
    "(?:得)?(?:要)?死(?:了|我了|人了|啦|他了|掉了)?|(?:得|的)要命|要命了|"
    "嘴里着火|嘴里冒火|心里着火|火气|上火|气炸|炸裂|"
    "(?:题|作业|数学|英语|物理|考试)[^。！？]{0,10}救命|救命[^。！？]{0,10}(?:题|作业|数学|考试)"
)
# Games, films, dreams, homework: whatever happens there is not happening to anyone.
_FICTION = re.compile(
    "爆头|特效|吃鸡|王者|游戏里|游戏中|电视剧|剧里|电影里|电影中|抖音上|视频里|小说里|梦里|做梦|一场梦|原来是"
)


@lru_cache(maxsize=4096)
def strip_figurative(norm: str) -> str:
    """Drop intensifiers such as 累死了 / 笑死我了 / 难得要命, which are not about death or danger.
    Remembered: the answer, the emergency check and the conversation each strip a message."""
    return _FIGURATIVE.sub("", norm)
# A question about papers (a document plus what to do about it), asked after the fact.
_PAPERWORK = re.compile(
    "(?:身份证|户口本|户口簿|户口|护照|通行证|驾照|驾驶证|行驶证|证件|签注|临时证|无犯罪|车牌|号牌)[^。！？]{0,12}"
    "(?:补|办|换|销|注销|签|怎么|咋|能不能|能否|吗|需要|材料|多少钱|去哪|哪里|手续)|"
    "(?:补|办|换|销|注销)[^。！？]{0,6}(?:身份证|户口本|户口簿|户口|护照|通行证|驾照|驾驶证|证)|"
    "网上报案|网上报警|能报案吗|报案吗|还有用吗|查进度|验伤|几点上班|上班时间|投诉|举报|复议|审批|许可|"
    "丧事办完|后事办完|办完了|处理完|走了以后"
)
_NOW = re.compile("正在|还在|快来|救命|快点|快救|赶紧来|来人|快快|马上来|就在我|在我家|现在就")


@dataclass(frozen=True)
class Emergency:
    numbers: tuple[str, ...]  # the first one leads the reply
    kind: str                 # "police" | "fire" | "medical" | "traffic" | "fraud"


# Every answer below needs one of these to match.
DANGER_PATTERNS = (_FRAUD_NOW, _FIRE, _TRAFFIC, _POLICE, _CALL_POLICE, _MEDICAL)


# --- ruling danger out quickly ---------------------------------------------------------------
# Nearly no message is an emergency, and searching the patterns above (hundreds of
# alternatives, tried one after another at every character) cost ~45 µs a message, a tenth of
# answering one. Each alternative needs certain words, read off the pattern itself: 打架 for
# 打架, one of 让我/要我/叫我 and one of 转/汇/打钱 for "(让|要|叫)我...(转|汇|打钱)", 被 and
# 砍 for "被.{0,2}砍". A message holding none of the words any alternative needs cannot
# match, and is ruled out with a few dictionary lookups; the rest are searched as before.

_FEW = 64  # the most strings a run of pattern items may stand for before it is left out


def _fixed_strings(op, av) -> list[str] | None:
    """The strings one parsed pattern item can match, when it can match only a few fixed ones."""
    if op is _sre.LITERAL:
        return [chr(av)]
    if op is _sre.IN:
        return [chr(a) for _, a in av] if all(o is _sre.LITERAL for o, _ in av) else None
    if op is _sre.SUBPATTERN:
        return _fixed_run(av[3].data)
    if op is _sre.BRANCH:
        found: list[str] = []
        for alternative in av[1]:
            strings = _fixed_run(alternative.data)
            if strings is None:
                return None
            found += strings
        return found if len(found) <= _FEW else None
    return None


def _fixed_run(items) -> list[str] | None:
    strings = [""]
    for op, av in items:
        more = _fixed_strings(op, av)
        if more is None or len(strings) * len(more) > _FEW:
            return None
        strings = [a + b for a in strings for b in more]
    return strings


def _most_telling(groups: list[list[str]]) -> list[str]:
    """The group whose shortest string is longest (then the smallest group): the rarest to find."""
    return max(groups, key=lambda g: (min(map(len, g)), -len(g)))


def _needed(items) -> list[list[str]]:
    """Groups of strings such that every text these pattern items match holds a string of each
    group; [] when nothing is certain. Runs of fixed items give their strings (made longer
    by each next fixed item); a group, alternation or repeat at least once gives what its
    contents need; anything else (a class such as [^，。], a wildcard, an anchor, a look-ahead,
    an optional part) only ends a run."""
    groups: list[list[str]] = []
    run = [""]
    for op, av in items:
        more = _fixed_strings(op, av)
        if more is not None and len(run) * len(more) <= _FEW:
            run = [a + b for a in run for b in more]
            continue
        if run != [""]:
            groups.append(run)
        run = [""]
        if more is not None:
            run = more
        elif op is _sre.SUBPATTERN:
            inner = _needed(av[3].data)
            if inner:
                groups.append(_most_telling(inner))
        elif op is _sre.BRANCH:
            each = [_needed(alternative.data) for alternative in av[1]]
            if all(each):
                groups.append([s for inner in each for s in _most_telling(inner)])
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) and av[0] >= 1:
            inner = _needed(av[2].data)
            if inner:
                groups.append(_most_telling(inner))
    if run != [""]:
        groups.append(run)
    return [g for g in groups if "" not in g]  # a group holding "" is always met


@dataclass(frozen=True)
class _DangerWords:
    by_pair: dict[str, list[tuple[str, tuple[tuple[str, ...], ...]]]]  # first two characters -> (word, the other groups)
    by_char: dict[str, list[tuple[tuple[str, ...], ...]]]                # a one-character word -> the other groups
    always: bool  # some alternative needs no word: every message must be searched


@lru_cache(maxsize=1)
def _danger_words() -> _DangerWords:
    by_pair: dict[str, list] = defaultdict(list)
    by_char: dict[str, list] = defaultdict(list)
    always = False
    for pattern in DANGER_PATTERNS:
        top = _parser.parse(pattern.pattern).data
        alternatives = [a.data for a in top[0][1][1]] if len(top) == 1 and top[0][0] is _sre.BRANCH else [top]
        for alternative in alternatives:
            groups = _needed(alternative)
            if not groups:
                always = True
                continue
            key = _most_telling(groups)
            rest = tuple(tuple(g) for g in groups if g is not key)
            for word in key:
                if len(word) == 1:
                    by_char[word].append(rest)
                else:
                    by_pair[word[:2]].append((word, rest))
    return _DangerWords(dict(by_pair), dict(by_char), always)


def _holds(norm: str, groups: tuple[tuple[str, ...], ...]) -> bool:
    return all(any(word in norm for word in group) for group in groups)


def may_be_danger(norm: str) -> bool:
    """False only when no pattern of ``DANGER_PATTERNS`` can match ``norm`` (it lacks the words
    each alternative needs); True means: search them. Compiled where it could be built (a
    scan in Python costs more than half of what it saves)."""
    words = _danger_words()
    if words.always:
        return True
    if _matcher is not None:
        return _matcher.danger_words_found(norm, words.by_pair, words.by_char)
    return danger_words_found_python(norm, words)


def danger_words_found_python(norm: str, words: _DangerWords) -> bool:
    """``may_be_danger``'s scan in Python (the compiled one is tested against it)."""
    for ch in words.by_char.keys() & set(norm):
        if any(_holds(norm, rest) for rest in words.by_char[ch]):
            return True
    by_pair = words.by_pair
    for i in range(len(norm) - 1):
        found = by_pair.get(norm[i:i + 2])
        if found is not None:
            for word, rest in found:
                if norm.startswith(word, i) and _holds(norm, rest):
                    return True
    return False


def detect_emergency(norm: str) -> Emergency | None:
    """Danger happening now, judged from the normalised text; None when not urgent."""
    norm = strip_figurative(norm)
    if not norm or not may_be_danger(norm) or (_FICTION.search(norm) and not _NOW.search(norm)):
        return None
    urgent = bool(_URGENT.search(_NOT_URGENT.sub("", norm)))
    admin = bool(_ADMIN.search(norm))
    # Papers asked about after the fact (身份证被抢了怎么补) are guide questions, unless
    # the message also says it is happening now.
    calm = (admin and not urgent) or (bool(_PAPERWORK.search(norm)) and not _NOW.search(norm))

    if _FRAUD_NOW.search(norm) and (not calm or _FRAUD_GOING_ON.search(norm)):
        return Emergency(("110", "96110"), "fraud")
    fire = bool(_FIRE.search(norm)) and not calm
    traffic = bool(_TRAFFIC.search(norm)) and not calm and not (_TRAFFIC_ADMIN.search(norm) and not urgent)
    police = (bool(_POLICE.search(norm)) and not calm) or bool(_CALL_POLICE.search(norm))
    medical = bool(_MEDICAL.search(norm)) and not calm
    hurt = medical or bool(_INJURY.search(norm))
    if fire:
        return Emergency(("119", "120") if medical else ("119",), "fire")
    if traffic:
        return Emergency(("122", "120") if hurt else ("122",), "traffic")
    if police:
        return Emergency(("110", "120") if medical else ("110",), "police")
    if medical:
        return Emergency(("120",), "medical")
    return None
