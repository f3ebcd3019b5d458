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
# Surnames far more often read as a word (时年、事发时、司机、公司): they count only right
# after a role word or an age, where _name_at weighs what follows, never when guessing
# where a name begins before an age (事发时小明（12岁）names 小明).
_ROLE_ONLY_SURNAMES = frozenset("时司")
_DOUBLE_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 独孤"
    " 南宫 端木 呼延 钟离 濮阳 淳于 赫连 拓跋 申屠 太史 公羊 闻人 澹台".split()
)
# Surnames that just as often begin an ordinary word (安全、文明、高速、任何 …): a name
# with one of them counts only when what follows it reads as the rest of a report
# (see _name_follows) and it is not one of the ordinary words in _ORDINARY_RE.
_WEAK_SURNAMES = frozenset(
    "于向何余程任方白石金江安关常严万宁陆田高马文付包尚史温康齐申单成管路游谷盛华沙荣"
    "南毛龙夏左甘易武施蓝辛蒙卫池迟封楼闻储戴曾许范钱苏时司"
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
# 学生安全 …); those of the surnames in _ORDINARY are there. Function words (已、被、
# 在、系 …) need no entry: they are not surnames.
_STOP_PHRASES = tuple(sorted(set("""
    陈述 陈列 张贴 张开 周边 周围 周末 周岁 杜绝 毕业 苏醒 黄色 黎明 顾客
    顾及 罗列 胡乱 郑重 谢绝 蒙受 焦急 辛苦 蓝色 刁难 牟利 牟取 储存 鞠躬
    郁闷 庞大 莫名 卫生 楼上 楼下 楼道 迟到 迟迟 曾经 曾因 曾多次 许多 许诺
    范围 钱款 钱财 钱包 戴着 戴上 戴头盔 孙子 孙女 夏季 夏天 秦岭 龙头 毛病
    雷同 韩国 安全 安排 安装 安置 何时 何处 余额 程序 任何 任务 金额 江边
    严重 严格 严禁 宁可 陆续 包括 包扎 路上 路边 路段 路口 路线 史上 温馨
    康复 齐全 申请 单位 成功 成年 成员 华人 沙发 荣誉 南方 左右 甘肃 易燃
    武器 施工 游泳 游玩 管理 管控 盛行 谷歌 林间 林区 朱红 金融 汪洋 欧洲
    欧元 叶片 柳树 梅花 宋体 唐突 党员 党组织 蒙面 戴口罩 戴帽 戴手套 戴墨镜
    付款 付钱 南下 包车 安然 安心 左手 左侧 成群 齐心 金项链 金饰 金手镯
    金戒指
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
# (?<!\s): a match may only begin where a run of spaces begins; without it every
# position inside a long run of whitespace rescans the rest of it (quadratic).
_AGE_CLAUSE_RE = re.compile(
    rf"(?<!\s)\s*(?:\(\s*(?:[男女]\s*[,、]\s*)?|[,、]\s*(?P<sex>[男女]\s*[,、]\s*)?){_AGE}"
)
_NAME_BEFORE_AGE_RE = re.compile(
    rf"(?:(?P<intro>{_INTRO})[\s:*_]{{0,3}})?(?P<cand>[\u4e00-\u9fff]{{2,4}})$"
)
_AGE_BEFORE_NAME_RE = re.compile(rf"{_AGE}的(?:(?:{_INTRO})[\s:*_]{{0,3}})?")
_AGE_ENDING_RE = re.compile(rf"{_AGE}的?[\u4e00-\u9fff]{{0,6}}$")
# The ordinary readings of weak surnames, as the words they begin (高速、马上、万余 …);
# for the prepositions 于/向 also what they introduce: a date or time (于11月、于昨晚),
# a place (于家中、于县城) or an addressee (向民警、向家人、向他). Given names seldom
# start with these characters, so losing such a name is the lesser evil.
_ORDINARY = {
    "于": r"[\d〇零一二两三四五六七八九十昨今本上下午晚早凌傍夜深去近同年周节假寒暑县市镇村乡街巷"
         r"区省路车门店室院楼厂场站网途案事境辖] 明[天日早晚] 清[晨早] 中[午旬途] 春[节季天]"
         r" [冬夏秋][季天] 家[中里门内附] 宾馆 酒店 饭店 商[场店铺城] 超市 银行 医院 学校 单位"
         r" 公[司园路交共] 广场 小区 工地 田间 山上 河边 江边 现场 附近 住[处所宅] 租住 机场"
         r" 火车 高铁 汽车 异地 当地 老家 原籍 微信 电话 手机 宝鸡 宁强",
    "向": r"[他她我你您咱民警公交派家亲朋邻同记媒银法检单领客商网群社村物医学上下组政部值相"
         r"本全各众店卖买房校院厂舍乘保门病患施路妻丈父母儿孩弟妹律监辖省市县镇乡嫌失车工居"
         r"游纪主消企广人支] 微信 平台",
    "高": "速 价 额 度 空 温 峰期 档 级 中 考 利 危 发 压 烧 龄 层 楼 铁 效 端 兴 声 大 瘦 挑"
         " 傲 处 低 频 息 薪 仿 原 山 新 校 调 风险",
    "马": "路 上 匹 桶 车 戏 虎 达 拉松",
    "石": "头 块 料 油 材 灰 子 板 膏 桥 墙 阶",
    "田": "间 地 野 埂 里 边 园 坎",
    "方": "面 式 向 法 案 便 位 言 针 形 圆 正",
    "白": "天 色 班 酒 银 菜 条 纸 日 领 费 皙 净 血 发 昼 衣 白",
    "常": "住 见 年 用 规 态 识 务 委 驻 常 期 温 来 去 设",
    "万": "元 余 多 件 人 一 家 分 能 物 事 全 千 亿 般 幸",
    "时": "常 间 候 刻 段 任 隔 值 速 而 尚 机 代 光 节 令 针 长 差 效 许 至 时 髦",
    "文": "明 化 件 身 书 字 物 章 艺 体 娱 具 档 凭 本 中",
    "司": "机 法 令 空 职 仪 局",
    "单": "位 独 手 身 方 据 次 个 人",
    "关": "于 系 注 心 爱 押 闭 门 联 口 键 掉 机 停 卡 照 怀 乎 节 税",
}
_ORDINARY_RE = re.compile(
    "|".join(f"{s}(?:{'|'.join(words.split())})" for s, words in _ORDINARY.items())
)
# What follows a name with a weak surname. Clause markers (系、等人、年龄、，男) and the
# verbs of a report (报警、称、驾驶) close it even after 于/向: a time or place after 于
# is followed by what happened, not by who told it, and 向民警反映 is in _ORDINARY_RE.
_CLAUSE_FOLLOWER_RE = re.compile(r"系|等\d*人|涉嫌|现年|年龄|[男女](?=[,、(\s\d])")
_REPORT_FOLLOWER_RE = re.compile(
    "报[警案称]|称|说|讲述|供述|陈述|反映|证实|表示|自称|声称|介绍|告诉|交代|承认|驾[驶车]"
)
# Verbs and function words that follow a subject (被骗、在…、因…、于…、向…). After a
# preposition only those that cannot follow its object (向东经过… is a direction), and
# after 于 only when the given name does not end like a place or time (于西安被抓获).
_ACTION_FOLLOWER_RE = re.compile("[被已在因将遭于向经到所等涉骑持携]|伙同|醉酒|酒后|无证")
_PREPOSITION_ACTION_FOLLOWERS = frozenset("被已在因将遭")
_PLACE_OR_TIME_ENDINGS = frozenset(
    "州京安都海阳城市县镇村乡区省街路巷道口边上下里内外中间处所地站场馆店院校园楼室屋房宅"
    "家厅局队厂坊桥河江湖山岭沟坡岸滩晚晨日天午夜期时前后年月周末节方"
)
# What may follow a name with a common surname: function words, verbs of a report.
_NAME_CLOSERS = _NON_NAME_CHARS | frozenset(
    "家证作供交承认投自主现私擅非违酗吸贩赌聚寻诈敲恐故死父母妻夫儿子同一二三两午晚早夜凌今"
    "走离失落溺摔跌遇突"
)
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
    first = norm[pos : pos + 1]
    return 1 if first in _SURNAMES or first in _ROLE_ONLY_SURNAMES else 0


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
    weak = surname == 1 and norm[pos] in _WEAK_SURNAMES
    if weak and _ORDINARY_RE.match(norm, pos):
        return None
    for length in range(given, 0, -1):
        end = given_start + length
        if _closed(norm, end) or (
            _name_follows(norm, pos, end) if weak else norm[end] in _NAME_CLOSERS
        ):
            return None if _PSEUDONYM_RE.match(norm, end) else end
    return None


def _name_follows(norm: str, pos: int, end: int) -> bool:
    """Whether the text at `end` reads as what follows a name with a weak surname."""
    if _CLAUSE_FOLLOWER_RE.match(norm, end):
        return True
    if _REPORT_FOLLOWER_RE.match(norm, end):
        return True
    if norm[end] in _NAME_JOINERS[1:]:  # 高峰和李华: a joiner counts before another name
        return _name_at(norm, end + 1) is not None
    # 的 only after a full three-character name: 高大的、白皙的 describe a person.
    possessive = norm[end] == "的" and end - pos == 3
    if norm[pos] == "向":
        return norm[end] in _PREPOSITION_ACTION_FOLLOWERS
    if norm[pos] == "于":
        return (
            possessive or norm[end] in _PREPOSITION_ACTION_FOLLOWERS
        ) and norm[end - 1] not in _PLACE_OR_TIME_ENDINGS
    return possessive or bool(_ACTION_FOLLOWER_RE.match(norm, end))


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

