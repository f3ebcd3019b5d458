"""Who is named: real names after a role word or next to an age, and named minors."""
from __future__ import annotations

import re
from collections.abc import Iterator

from .context import Spans, clause_before
from .findings import Finding, make_finding

_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余"
    "杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史"
    "陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟"
    "殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛翁冉骆蓝路游辛"
    "靳管柴蒙鲍华喻祁蒲房滕屈饶牟艾尤穆卓缪芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂佟"
    "臧闵苟邬卞姬栾隋刁沙荣巫寇桑郎甄丛仲虞敖巩佘池苑迟邝封匡鞠惠荆冀郁胥南班储栗燕楚鄢"
    "谌奚粟冼蔺楼闻厉仝郜阚帅屠朴练廉禹祖漆狄晋扈晁芮阙浦鹿邸雍辜裘亓邰赫杭逯嵇昝"
)
_DOUBLE_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 独孤"
    " 南宫 端木 呼延 钟离 濮阳 淳于 赫连 拓跋 申屠 太史 公羊 闻人 澹台".split()
)
# Surnames that just as often begin an ordinary word (安全、文明、高速、任何 …): a name
# with one of them counts only when punctuation, the end of text or a typical verb
# after a name (被、已、称 …) closes it; after 于/向 (prepositions first) only punctuation.
_WEAK_SURNAMES = frozenset(
    "于向何余程任方白石金江安关常严万宁陆田高马文付包尚史温康齐申单成管路游谷盛华沙荣"
    "南毛龙夏左甘易武施蓝辛蒙卫池迟封楼闻储戴曾许范钱苏"
)
# Characters that do not occur inside a given name: function words, verbs that follow a
# name in a police report, and 某 (an already masked name such as 王某某、余某亮).
_NON_NAME_CHARS = frozenset(
    "某的了着过被已在于系因将对向到等均及与和为是称说把从也都又所其该此无有不未没随当即"
    "并后前时日月年岁们个名次处要会能可须需这那里内外共遭受涉犯抓逃报案伙窃盗骗抢殴打持"
    "驾醉酒携冒趁撬闯拒讲告诉再还就才便仍亦则经以至由给让请叫男女多"
)
_HONORIFICS = (
    "师傅", "警官", "先生", "女士", "老师", "阿姨", "大爷", "大妈", "大姐", "大哥", "同学",
    "小姐", "医生", "律师", "总", "老", "哥", "姐", "叔", "伯", "婶", "奶奶", "爷爷",
)
# Ordinary words that follow role words and begin with a surname (当事人陈述、
# 驾驶人应当、学生安全 …). Function words (已、被、在、系 …) need no entry: they are not
# surnames.
_STOP_PHRASES = tuple(sorted(set("""
    于是 于当 于凌晨 于次日 于近日 于日前 于今年 于去年 于上午 于下午 于晚上 于中午 于傍晚
    于夜间 于案发 于近期 于同日 于其 向其 向民警 向警方 向公安 向派出所 向社会 向群众
    陈述 陈列 张贴 张开 周边 周围 周末 周岁 杜绝 毕业 苏醒 黄色 黎明 顾客 顾及 罗列 胡乱
    郑重 谢绝 蒙受 焦急 辛苦 蓝色 刁难 牟利 牟取 储存 鞠躬 郁闷 庞大 莫名 卫生 楼上 楼下
    楼道 迟到 迟迟 曾经 曾因 曾多次 许多 许诺 范围 钱款 钱财 钱包 戴着 戴上 戴头盔 孙子
    孙女 夏季 夏天 秦岭 龙头 毛病 雷同 韩国 安全 安排 安装 安置 文明 文化 文件 文身 高速
    高度 高中 马上 马路 何时 何处 余额 程序 任何 任务 方面 方式 方向 方法 白天 石头 金额
    江边 关于 关系 关注 常住 常见 严重 严格 严禁 万元 宁可 陆续 田间 包括 包扎 路上 路边
    路段 路口 路线 史上 温馨 康复 齐全 申请 单位 成功 成年 成员 华人 沙发 荣誉 南方 左右
    甘肃 易燃 武器 施工 游泳 游玩 管理 管控 盛行 谷歌 林间 林区 朱红 金融 汪洋 欧洲 欧元
    叶片 柳树 梅花 宋体 唐突 党员 党组织
""".split()), key=len, reverse=True))

_NAME_ROLES = (
    "犯罪嫌疑人", "违法嫌疑人", "嫌疑人", "受害人", "被害人", "当事人", "报警人", "举报人",
    "证人", "死者", "伤者", "驾驶人", "驾驶员", "司机", "户主", "失主", "学生", "患者",
    "男子", "女子", "老人", "车主", "姓名", "名叫", "被告人", "违法行为人", "行为人",
    "被处罚人",
)
_MINOR_ROLES = (
    "未成年人", "儿童", "男孩", "女孩", "男童", "女童", "少年", "孩子", "小学生", "中学生",
    "初中生", "高中生",
)
_ROLE_RE = re.compile(
    "(?P<role>"
    + "|".join(sorted(_NAME_ROLES + _MINOR_ROLES, key=len, reverse=True))
    + r")[\s:*_]{0,3}"
)
# Words that may stand right before a name given with an age: "走失儿童小明（12岁）".
_INTRO = "|".join(sorted(
    _NAME_ROLES + _MINOR_ROLES + (
        "叫", "儿子", "女儿", "孙子", "孙女", "外孙", "侄子", "之子", "之女", "小孩", "群众",
        "市民", "村民", "居民", "游客", "乘客",
    ),
    key=len, reverse=True,
))
_AGE = r"(?P<age>\d{1,3}|[一二三四五六七八九十]{1,3})\s*周?岁(?!\s*(?:以[上下]|左右|至|到|-))"
# "(男,15岁" / "(15岁" / ",男,15岁" / ",15岁" (the last only after a role word).
_AGE_CLAUSE_RE = re.compile(
    rf"\s*(?:\(\s*(?:[男女]\s*[,、]\s*)?|[,、]\s*(?P<sex>[男女]\s*[,、]\s*)?){_AGE}"
)
_NAME_BEFORE_AGE_RE = re.compile(
    rf"(?:(?P<intro>{_INTRO})[\s:*_]{{0,3}})?(?P<cand>[\u4e00-\u9fff]{{2,4}})$"
)
_AGE_BEFORE_NAME_RE = re.compile(rf"{_AGE}的(?:(?:{_INTRO})[\s:*_]{{0,3}})?")
_AGE_ENDING_RE = re.compile(rf"{_AGE}的?[\u4e00-\u9fff]{{0,6}}$")
_AFTER_NAME = frozenset("被已称系等涉因在")
# What may follow a name with a common surname: function words, verbs of a report.
_NAME_CLOSERS = _NON_NAME_CHARS | frozenset(
    "家证作供交承认投自主现私擅非违酗吸贩赌聚寻诈敲恐故死父母妻夫儿子同一二三两午晚早夜凌今"
    "走离失落溺摔跌遇突"
)
_PREPOSITION_SURNAMES = frozenset("于向")
_PSEUDONYM_RE = re.compile(r"\s*\(\s*化名")  # 王小明（化名）is not a real name
_NAME_JOINERS = ("、", "和", "及", "与")  # 犯罪嫌疑人王小明、李华
_PUNCT_END = set(",.;:!?、。；：！？()（）[]【】《》“”\"'‘’ \t\n…—")
_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _age_value(raw: str) -> int:
    if raw.isdigit():
        return int(raw)
    if "十" not in raw:
        return _CN_DIGITS.get(raw, 99)
    tens, _, ones = raw.partition("十")
    return _CN_DIGITS.get(tens, 1) * 10 + _CN_DIGITS.get(ones, 0)


def _is_name_char(ch: str) -> bool:
    return len(ch) == 1 and "\u4e00" <= ch <= "\u9fff" and ch not in _NON_NAME_CHARS


def _surname_length(norm: str, pos: int) -> int:
    if norm[pos : pos + 2] in _DOUBLE_SURNAMES:
        return 2
    return 1 if norm[pos : pos + 1] in _SURNAMES else 0


def _closed(norm: str, end: int) -> bool:
    return end >= len(norm) or norm[end] in _PUNCT_END


def _name_at(norm: str, pos: int) -> int | None:
    """End offset of a real (unmasked) name starting at `pos`, or None.

    A surname and one or two given-name characters count only when something closes
    them: punctuation, or a character that follows names in reports (王小明被…、
    张伟驾驶…). That keeps 举报人唐诗朗诵 or 学生党员干部 from reading as names.
    """
    if norm.startswith(_STOP_PHRASES, pos):
        return None
    surname = _surname_length(norm, pos)
    if not surname:
        return None
    given_start = pos + surname
    given = 0
    while given < 2 and _is_name_char(norm[given_start + given :][:1]):
        given += 1
    if not given or norm.startswith(_HONORIFICS, given_start):
        return None
    closers = _closers(norm[pos] if surname == 1 else "")
    for length in range(given, 0, -1):
        end = given_start + length
        if _closed(norm, end) or norm[end] in closers:
            return None if _PSEUDONYM_RE.match(norm, end) else end
    return None


def _closers(surname: str) -> frozenset[str]:
    if surname in _PREPOSITION_SURNAMES:
        return frozenset()
    return _AFTER_NAME if surname in _WEAK_SURNAMES else _NAME_CLOSERS


def _valid_name(cand: str) -> bool:
    """A whole candidate such as 王小明 / 欧阳明 / 小明 (nickname, used with an age)."""
    if len(cand) == 2 and cand[0] in "小阿":
        return _is_name_char(cand[1])
    surname = 2 if cand[:2] in _DOUBLE_SURNAMES else (1 if cand[0] in _SURNAMES else 0)
    given = cand[surname:]
    return (
        bool(surname)
        and 1 <= len(given) <= 2
        and all(_is_name_char(ch) for ch in given)
        and not given.startswith(_HONORIFICS)
    )


def _name_mask(original: str, norm: str) -> str:
    if norm[:1] in "小阿" and len(norm) == 2:
        return original[0] + "某"
    return original[: 2 if norm[:2] in _DOUBLE_SURNAMES else 1] + "某某"


def _age_next_to(norm: str, start: int, end: int) -> int | None:
    """The age given right after a name, or just before its role word (年仅14岁的学生…)."""
    after = _AGE_CLAUSE_RE.match(norm, end)
    if after:
        return _age_value(after.group("age"))
    before = _AGE_ENDING_RE.search(clause_before(norm, start, 14))
    return _age_value(before.group("age")) if before else None


def _person_finding(text: str, norm: str, start: int, end: int, minor: bool) -> Finding:
    mask = _name_mask(text[start:end], norm[start:end])
    if minor:
        message = "疑似未成年人真实姓名，涉及未成年人的信息不得公开"
        return make_finding("minor", text, start, end, mask, message)
    message = f"疑似真实姓名，应写作「{mask}」"
    return make_finding("name", text, start, end, mask, message)


def find_role_names(text: str, norm: str, urls: Spans) -> Iterator[Finding]:
    for m in _ROLE_RE.finditer(norm):
        pos = m.end()
        minor_role = m.group("role") in _MINOR_ROLES
        while (end := _name_at(norm, pos)) is not None:
            age = _age_next_to(norm, m.start(), end)
            minor = minor_role or (age is not None and age < 18)
            yield _person_finding(text, norm, pos, end, minor)
            if norm[end : end + 1] not in _NAME_JOINERS:
                break
            pos = end + 1


def find_aged_names(text: str, norm: str, urls: Spans) -> Iterator[Finding]:
    for m in _AGE_CLAUSE_RE.finditer(norm):
        found = _NAME_BEFORE_AGE_RE.search(norm[max(0, m.start() - 12) : m.start()])
        if not found:
            continue
        bare_comma = m.group().lstrip()[:1] in ",、" and not m.group("sex")
        if bare_comma and found.group("intro") is None:
            continue  # "…，15岁" names someone only after a role word
        cand = found.group("cand")
        minor = _age_value(m.group("age")) < 18
        for length in range(len(cand), 1, -1):
            if _valid_name(cand[-length:]):
                yield _person_finding(text, norm, m.start() - length, m.start(), minor)
                break
    for m in _AGE_BEFORE_NAME_RE.finditer(norm):  # 年仅14岁的王小明
        end = _name_at(norm, m.end())
        if end is not None:
            minor = _age_value(m.group("age")) < 18
            yield _person_finding(text, norm, m.end(), end, minor)

